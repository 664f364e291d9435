/**
 * What linear_mixer and the push mixers share (framework spec §6): the update counter and tick
 * time behind the triggers, the 0.5 s wake-up loop, juba's `mix.*` status figures, the
 * lifecycle around them (MixerBase), peer clients with the interconnect timeout, and the
 * parameter checks of the internal RPCs.
 */
import type { LinearMixable, PushMixable } from '../../engine/engine.js';
import { registerActive } from '../../cluster/membership.js';
import { parseIpPort } from '../../cluster/paths.js';
import { ArgumentError } from '../../errors.js';
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { RpcClient } from '../../rpc/client.js';
import type { RpcMethod } from '../../rpc/server.js';
import type { EngineServer } from '../engine-server.js';
import type { MixerContext } from './mixer.js';

/** How often the mixer loop wakes without being notified (Jubatus: 0.5 s). */
export const LOOP_WAKE_MS = 500;

/** Updates since the last mix and when that was; decides whether a round is due. */
export class MixTrigger {
  counter = 0;
  /** Epoch ms of the last mix participation or counter reset. */
  ticktime = Date.now();

  constructor(
    private readonly intervalSec: number,
    private readonly intervalCount: number,
    /** linear_mixer never mixes without local updates; the push mixers do. */
    private readonly requireUpdates: boolean,
  ) {}

  due(now = Date.now()): boolean {
    const byCount = this.intervalCount > 0 && this.counter >= this.intervalCount;
    const byTime = this.intervalSec > 0 && now - this.ticktime > this.intervalSec * 1000;
    return (byCount || byTime) && (this.counter > 0 || !this.requireUpdates);
  }

  reset(): void {
    this.counter = 0;
    this.ticktime = Date.now();
  }

  get ticktimeSec(): number {
    return Math.floor(this.ticktime / 1000);
  }
}

/** juba's own MIX figures, reported beside Jubatus's `linear_mixer.*` / `push_mixer.*` keys. */
export class MixStats {
  rounds = 0;
  lastTime = 0;
  lastDurationMs = 0;
  lastMembers = 0;
  lastBytes = 0;
  participated = 0;
  /** juba's own totals for /metrics (not in get_status): bytes mixed, failed rounds and peer calls. */
  bytesTotal = 0;
  failures = 0;
  durationSecondsSum = 0;
  /** Told of each finished round (the /metrics duration histogram). */
  onRound?: (seconds: number, bytes: number) => void;
  /** Model updates this server applied since it started (never reset). */
  updates = 0;
  /**
   * `updates` when this server's diff was taken for the last round that included it and whose
   * put_diff it applied: every update counted up to here is in the merged model.
   * `juba feed --durable` reads `mix.updates` after an apply and waits for `mix.merged_through`
   * to reach it.
   */
  mergedThrough = 0;
  /**
   * `updates` when this server last dropped updates that no round merged: a put_diff that did
   * not include its diff (the engine clears the local diff all the same), or its model replaced
   * by a peer's. Updates counted up to here and above `mergedThrough` are gone.
   */
  droppedAt = 0;
  /**
   * `mergedThrough` at that drop: updates above it and up to `droppedAt` were dropped, even if a
   * later round moves `mergedThrough` past `droppedAt` (its diff was taken after the drop).
   */
  droppedFrom = 0;

  /** Updates not yet in a merged model were just dropped (see `droppedAt`). */
  dropUnmerged(): void {
    if (this.updates <= this.mergedThrough) return;
    this.droppedFrom = this.mergedThrough;
    this.droppedAt = this.updates;
  }

  roundDone(startedMs: number, members: number, bytes: number): number {
    const ms = performance.now() - startedMs;
    this.rounds++;
    this.bytesTotal += bytes;
    this.durationSecondsSum += ms / 1000;
    this.onRound?.(ms / 1000, bytes);
    this.lastTime = Math.floor(Date.now() / 1000);
    this.lastDurationMs = ms;
    this.lastMembers = members;
    this.lastBytes = bytes;
    return ms;
  }

  status(): Record<string, string> {
    return {
      'mix.rounds': String(this.rounds),
      'mix.last_time': String(this.lastTime),
      'mix.last_duration_ms': this.lastDurationMs.toFixed(1),
      'mix.last_members': String(this.lastMembers),
      'mix.last_bytes': String(this.lastBytes),
      'mix.participated': String(this.participated),
      'mix.updates': String(this.updates),
      'mix.merged_through': String(this.mergedThrough),
      'mix.dropped_at': String(this.droppedAt),
      'mix.dropped_from': String(this.droppedFrom),
    };
  }
}

/**
 * The mixer loop: wakes every 0.5 s or when notified, runs `iteration`, and stops cleanly.
 * Rounds started elsewhere (do_mix) are tracked too, so `stop` can wait for all of them.
 */
export class MixLoop {
  private running = false;
  private stopped = false;
  private done?: Promise<void>;
  private wakeUp?: () => void;
  private timer?: NodeJS.Timeout;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly iteration: () => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  start(runFirstAtOnce: boolean): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.done = this.run(runFirstAtOnce);
  }

  notify(): void {
    this.wakeUp?.();
  }

  /** Tracks a round that does not run in the loop (do_mix) so that `stop` waits for it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const drop = (): void => void this.inflight.delete(p);
    p.then(drop, drop);
    return p;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.notify();
    await this.done;
    await Promise.allSettled([...this.inflight]);
  }

  /** Waits up to `ms`, or less when notified or stopped (the loop's own wait only). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(this.timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = finish;
      this.timer = setTimeout(finish, ms);
      this.timer.unref?.();
    });
  }

  private async run(first: boolean): Promise<void> {
    let skipWait = first;
    while (this.running) {
      if (!skipWait) await this.sleep(LOOP_WAKE_MS);
      skipWait = false;
      if (!this.running) break;
      try {
        await this.iteration();
      } catch (e) {
        this.onError(e);
      }
    }
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A client for one member's `ip_port`, with the interconnect timeout on connect and calls. */
export function peerClient(ipPort: string, timeoutSec: number): RpcClient {
  const { host, port } = parseIpPort(ipPort);
  const ms = timeoutSec * 1000;
  return new RpcClient({ host, port, timeoutMs: ms, connectTimeoutMs: ms });
}

export const writeDummyInt = (w: MsgWriter): void => {
  w.arrayHeader(1);
  w.int(0);
};

export const writeRawParam = (bytes: Uint8Array) => (w: MsgWriter): void => {
  w.arrayHeader(1);
  w.raw(bytes);
};

/** `[int]` (Jubatus callers send 0; the value is not used). */
export function checkIntParam(params: MsgValue[], method: string): void {
  if (params.length < 1 || (typeof params[0] !== 'number' && typeof params[0] !== 'bigint')) {
    throw new ArgumentError(`${method} takes one integer param`);
  }
}

/** `[raw]`; anything else is refused. */
export function rawParam(params: MsgValue[], method: string): Uint8Array {
  const v = params[0];
  if (!(v instanceof Uint8Array)) throw new ArgumentError(`${method} takes one raw param`);
  return v;
}

export function rpcMethod<T>(call: (params: MsgValue[]) => T | Promise<T>, encode: (w: MsgWriter, r: T) => void): RpcMethod {
  return { call, encodeResult: (w, r) => encode(w, r as T) };
}

export const encodeRaw = (w: MsgWriter, r: Uint8Array): void => w.raw(r);
export const encodeInt = (w: MsgWriter, r: number): void => w.int(r);
export const encodeBool = (w: MsgWriter, r: boolean): void => w.bool(r);

/** Runs `fn` under the model's read lock, at once when nobody async holds it. */
export function underRead<T>(server: EngineServer, fn: () => T): T | Promise<T> {
  return server.lock.readFree ? fn() : server.lock.withRead(fn);
}

export function underWrite<T>(server: EngineServer, fn: () => T): T | Promise<T> {
  return server.lock.writeFree ? fn() : server.lock.withWrite(fn);
}

/** Counts updates for the mixer, keeping any hook that was there before. */
function hookUpdates(ctx: MixerContext, onUpdate: () => void): void {
  const previous = ctx.server.onUpdate;
  ctx.server.onUpdate = previous
    ? () => {
        previous();
        onUpdate();
      }
    : onUpdate;
}

/**
 * The lifecycle every mixer shares: an update counter that wakes the loop when a trigger is
 * due, the loop itself (start, stop), `mix.*` figures, and re-creating `actives/<ip_port>`
 * in a new ZooKeeper session. Subclasses give one loop pass (`iteration`) and their RPCs.
 */
export abstract class MixerBase {
  readonly stats = new MixStats();
  protected readonly trigger: MixTrigger;
  protected readonly loop: MixLoop;
  /** Whether we believe `actives/<ip_port>` exists (re-created after a session change). */
  protected registered = false;

  constructor(
    protected readonly ctx: MixerContext,
    private readonly opts: {
      /** linear_mixer never mixes without local updates; the push mixers do. */
      requireUpdates: boolean;
      /** Jubatus's push mixers mix once as soon as they start; linear_mixer waits. */
      firstRoundAtOnce: boolean;
    },
  ) {
    this.trigger = new MixTrigger(ctx.intervalSec, ctx.intervalCount, opts.requireUpdates);
    this.loop = new MixLoop(
      () => this.iteration(),
      (e) => {
        this.stats.failures++;
        ctx.logger.warn({ err: errorText(e) }, 'mixer iteration failed');
      },
    );
    hookUpdates(ctx, () => {
      this.stats.updates++;
      this.trigger.counter++;
      if (this.trigger.due()) this.loop.notify();
    });
  }

  /** One pass of the loop: run a round when one is due. */
  protected abstract iteration(): Promise<void>;

  protected get self(): string {
    return this.ctx.server.ipPort;
  }

  start(): void {
    this.loop.start(this.opts.firstRoundAtOnce);
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** `<prefix>.count` and `<prefix>.ticktime`, as Jubatus reports its triggers. */
  protected triggerStatus(prefix: string): Record<string, string> {
    return {
      [`${prefix}.count`]: String(this.trigger.counter),
      [`${prefix}.ticktime`]: String(this.trigger.ticktimeSec),
    };
  }
}

/** A driver with no linear mixables: empty payloads, nothing to apply (engines without MIX). */
export const NO_LINEAR_MIX: LinearMixable<null> = {
  packDiff: (w) => w.arrayHeader(0),
  unpackDiff: () => null,
  mixDiff: () => null,
  writeDiff: (w) => w.arrayHeader(0),
  putDiff: () => true,
};

export const NO_PUSH_MIX: PushMixable = {
  writePullArgument: (w) => w.arrayHeader(0),
  pull: (_arg, w) => w.arrayHeader(0),
  push: () => undefined,
};

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
