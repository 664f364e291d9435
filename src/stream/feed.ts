/**
 * The core of `juba feed`, independent of where messages come from: turn one message into the
 * arguments of an update method, call the cluster, and say whether the message may be
 * acknowledged (applied), must go to the dead letters (poison: it can never succeed), or —
 * while the cluster is failing — keep retrying with backoff. A message is never reported
 * applied before the cluster answered, so a crash anywhere loses only unacknowledged work,
 * which the queue delivers again.
 */
import { backoffDelay } from '../backoff.js';
import { JubaError } from '../errors.js';
import type { ServiceDescriptor } from '../idl/types.js';
import { ARGUMENT_ERROR, NO_METHOD_ERROR, RpcError } from '../rpc/errors.js';
import { argsFromJson, signature } from '../idl/json-values.js';

/** Thrown by a mapper for a message that can never be applied; the reason goes with it. */
export class PoisonMessage extends Error {}

export type Mapper = (body: string) => unknown[];

/**
 * A mapper for `method`: a message is a JSON array of the method's parameters in order (the
 * hands-on's `[id, {"x": 1.5}]` for set_row) or a JSON object keyed by parameter name. Values
 * are typed by the IDL, so datums may be written `{"x": 1.5, "name": "a"}`.
 * With `wrap`, a message is one element of the method's only (list) parameter instead:
 * `["sports", {"text": "…"}]` → `train([["sports", {…}]])` (an engine's feed preset says which).
 */
export function createMapper(service: ServiceDescriptor, methodName: string, wrap = false): Mapper {
  const m = service.methods.get(methodName);
  if (!m) {
    throw new JubaError(`${service.name} has no method ${methodName}`, {
      code: 'usage',
      hint: `--map takes one of: ${[...service.methods.keys()].sort().join(', ')}`,
    });
  }
  return (body: string): unknown[] => {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      throw new PoisonMessage(`not JSON (${(err as Error).message})`);
    }
    let list: unknown = json;
    if (wrap) list = [[json]];
    else if (!Array.isArray(json)) {
      if (json === null || typeof json !== 'object') {
        throw new PoisonMessage(`expected a JSON array or object of the arguments of ${signature(m)}`);
      }
      const obj = json as Record<string, unknown>;
      const missing = m.params.filter((p) => !(p.name in obj)).map((p) => p.name);
      if (missing.length) throw new PoisonMessage(`missing ${missing.join(', ')} for ${signature(m)}`);
      list = m.params.map((p) => obj[p.name]);
    }
    try {
      return argsFromJson(service, m, list);
    } catch (err) {
      const hint = err instanceof JubaError && err.hint ? ` (${err.hint})` : '';
      throw new PoisonMessage(`${(err as Error).message}${hint}`);
    }
  };
}

/** Errors the cluster will give again for the same message: the request itself is wrong. */
export function isPermanent(err: unknown): boolean {
  return err instanceof RpcError && (err.error === NO_METHOD_ERROR || err.error === ARGUMENT_ERROR);
}

export interface FeedOptions {
  map: Mapper;
  /** Sends one update; resolves once the cluster answered. */
  apply(args: unknown[]): Promise<unknown>;
  /** How long a message keeps being retried before it goes to the dead letters (0 = forever). */
  retryForMs: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Time source and sleep, replaceable in unit tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * `--durable`: `apply` is replaced by `applyOn`, which says which servers applied the update;
   * the message is done only when `awaitMerge` reports a completed MIX round covering it. A
   * message whose servers lost it is applied again (re-routed), counted in `resent`.
   */
  durable?: {
    applyOn(args: unknown[]): Promise<string[]>;
    awaitMerge(servers: string[]): Promise<{ kind: 'merged' } | { kind: 'lost'; reason: string }>;
    /** Most update calls at once (the messages awaiting a merge are not counted). */
    maxApplying: number;
  };
}

export type Outcome = { kind: 'applied' } | { kind: 'dead'; reason: string } | { kind: 'stopped' };

export interface FeedStats {
  received: number;
  applied: number;
  deadLettered: number;
  /** Calls repeated after a failure. */
  retries: number;
  inFlight: number;
  /** The latest failure while some message is being retried; cleared by the next success. */
  failing: string | null;
  /** --durable: messages done (merged, or acknowledged after apply where no MIX runs). */
  merged: number;
  /** --durable: applied, waiting for a MIX round to cover them. */
  awaiting: number;
  /** --durable: messages applied again because the server holding them was lost, by reason. */
  resent: number;
  resentWhy: Record<string, number>;
}

export class Feed {
  readonly stats: FeedStats = {
    received: 0, applied: 0, deadLettered: 0, retries: 0, inFlight: 0, failing: null,
    merged: 0, awaiting: 0, resent: 0, resentWhy: {},
  };
  private applying = 0;
  // Declared before `stopped`, whose executor sets it (a later declaration would reset it).
  private markStopped: () => void = () => undefined;
  private readonly stopped = new Promise<'stopped'>((r) => (this.markStopped = () => r('stopped')));
  private readonly applyQueue: Array<() => void> = [];
  private stopping = false;
  private readonly wakeups = new Set<() => void>();
  private readonly now: () => number;
  private readonly sleepFn: (ms: number) => Promise<void>;

  constructor(private readonly opts: FeedOptions) {
    this.now = opts.now ?? Date.now;
    this.sleepFn = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Takes one message to its end. Never rejects. After stop(), a message still being retried
   * ends as 'stopped': it must be left unacknowledged (the queue redelivers it).
   */
  async process(body: string): Promise<Outcome> {
    this.stats.received++;
    this.stats.inFlight++;
    try {
      const outcome = this.opts.durable ? await this.runDurable(body) : await this.run(body);
      if (outcome.kind === 'applied' && !this.opts.durable) this.stats.applied++;
      else if (outcome.kind === 'dead') this.stats.deadLettered++;
      return outcome;
    } finally {
      this.stats.inFlight--;
    }
  }

  /** Stops retrying: messages waiting for the cluster end as 'stopped'. */
  stop(): void {
    this.stopping = true;
    this.markStopped();
    for (const wake of this.wakeups) wake();
  }

  /** Messages done: acknowledged (merged with --durable) or dead-lettered. */
  get done(): number {
    return (this.opts.durable ? this.stats.merged : this.stats.applied) + this.stats.deadLettered;
  }

  private async runDurable(body: string): Promise<Outcome> {
    const d = this.opts.durable!;
    let args: unknown[];
    try {
      args = this.opts.map(body);
    } catch (err) {
      return { kind: 'dead', reason: (err as Error).message };
    }
    for (let first = true; ; first = false) {
      let servers: string[] = [];
      const outcome = await this.limited(() => this.run(body, args, async (a) => {
        servers = await d.applyOn(a);
      }));
      if (outcome.kind !== 'applied') return outcome;
      if (first) this.stats.applied++;
      this.stats.awaiting++;
      const settled = await Promise.race([d.awaitMerge(servers), this.stopped]);
      this.stats.awaiting--;
      // Stopped while waiting for a MIX: not done, so left unacknowledged / counted not applied.
      if (settled === 'stopped') return { kind: 'stopped' };
      if (settled.kind === 'merged') {
        this.stats.merged++;
        return outcome;
      }
      this.stats.resent++;
      this.stats.resentWhy[settled.reason] = (this.stats.resentWhy[settled.reason] ?? 0) + 1;
      if (this.stopping) return { kind: 'stopped' };
    }
  }

  /** Runs `f` when fewer than maxApplying calls are running. */
  private async limited<T>(f: () => Promise<T>): Promise<T> {
    const max = this.opts.durable!.maxApplying;
    if (this.applying >= max) await new Promise<void>((r) => this.applyQueue.push(r));
    this.applying++;
    try {
      return await f();
    } finally {
      this.applying--;
      this.applyQueue.shift()?.();
    }
  }

  private async run(body: string, mapped?: unknown[], apply: (args: unknown[]) => Promise<unknown> = this.opts.apply): Promise<Outcome> {
    let args: unknown[];
    try {
      args = mapped ?? this.opts.map(body);
    } catch (err) {
      return { kind: 'dead', reason: (err as Error).message };
    }
    const started = this.now();
    const policy = { firstMs: this.opts.backoffInitialMs ?? 200, maxMs: this.opts.backoffMaxMs ?? 5000 };
    for (let attempt = 0; ; attempt++) {
      const delay = backoffDelay(attempt + 1, policy);
      if (attempt > 0) this.stats.retries++;
      try {
        await apply(args);
        this.stats.failing = null;
        return { kind: 'applied' };
      } catch (err) {
        const why = (err as Error).message;
        if (isPermanent(err)) return { kind: 'dead', reason: `rejected by the server: ${why}` };
        this.stats.failing = why;
        const waited = this.now() - started;
        if (this.opts.retryForMs > 0 && waited + delay > this.opts.retryForMs) {
          return { kind: 'dead', reason: `gave up after ${Math.round(waited / 1000)} s of retries: ${why}` };
        }
      }
      if (this.stopping) return { kind: 'stopped' };
      await this.pause(delay);
      if (this.stopping) return { kind: 'stopped' };
    }
  }

  private async pause(ms: number): Promise<void> {
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    this.wakeups.add(wake);
    try {
      await Promise.race([this.sleepFn(ms), woken]);
    } finally {
      this.wakeups.delete(wake);
    }
  }
}

/** One line of progress: what `juba feed` shows while it runs and prints at the end. */
export function formatProgress(s: FeedStats, elapsedMs: number, ratePerSec: number, durableNote?: string | null): string {
  const parts = [
    `applied ${s.applied}`,
    ...(durableNote !== undefined ? [`merged ${s.merged}`, `awaiting ${s.awaiting}`] : []),
    `${ratePerSec.toFixed(0)}/s`,
    `in flight ${s.inFlight}`,
    `dead-lettered ${s.deadLettered}`,
    `retries ${s.retries}`,
    `${(elapsedMs / 1000).toFixed(0)} s`,
  ];
  if (durableNote !== undefined && s.resent) parts.push(`re-sent ${s.resent}`);
  if (s.failing) parts.push(`cluster failing: ${s.failing}`);
  if (durableNote) parts.push(durableNote);
  return parts.join(' · ');
}
