/**
 * The core of `juba feed`, independent of where messages come from: turn one message into the
 * arguments of an update method, call the cluster, and say whether the message may be
 * acknowledged (applied), must go to the dead letters (poison: it can never succeed), or —
 * while the cluster is failing — keep retrying with backoff. A message is never reported
 * applied before the cluster answered, so a crash anywhere loses only unacknowledged work,
 * which the queue delivers again.
 */
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
}

export class Feed {
  readonly stats: FeedStats = { received: 0, applied: 0, deadLettered: 0, retries: 0, inFlight: 0, failing: null };
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
      const outcome = await this.run(body);
      if (outcome.kind === 'applied') this.stats.applied++;
      else if (outcome.kind === 'dead') this.stats.deadLettered++;
      return outcome;
    } finally {
      this.stats.inFlight--;
    }
  }

  /** Stops retrying: messages waiting for the cluster end as 'stopped'. */
  stop(): void {
    this.stopping = true;
    for (const wake of this.wakeups) wake();
  }

  private async run(body: string): Promise<Outcome> {
    let args: unknown[];
    try {
      args = this.opts.map(body);
    } catch (err) {
      return { kind: 'dead', reason: (err as Error).message };
    }
    const started = this.now();
    let delay = this.opts.backoffInitialMs ?? 200;
    const maxDelay = this.opts.backoffMaxMs ?? 5000;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.stats.retries++;
      try {
        await this.opts.apply(args);
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
      delay = Math.min(maxDelay, delay * 2);
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
export function formatProgress(s: FeedStats, elapsedMs: number, ratePerSec: number): string {
  const parts = [
    `applied ${s.applied}`,
    `${ratePerSec.toFixed(0)}/s`,
    `in flight ${s.inFlight}`,
    `dead-lettered ${s.deadLettered}`,
    `retries ${s.retries}`,
    `${(elapsedMs / 1000).toFixed(0)} s`,
  ];
  if (s.failing) parts.push(`cluster failing: ${s.failing}`);
  return parts.join(' · ');
}
