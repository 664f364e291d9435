/**
 * The load loop behind `juba bench`: N clients, each keeping `depth` calls in flight, calling
 * one method until the deadline (or an abort), with latencies kept in one growing Float64Array
 * and per-interval counts reported as it runs. No printing here; the command renders.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceClient } from '../client/service-client.js';
import { RpcTimeoutError, RpcTransportError } from '../rpc/errors.js';

/** Latencies in ms, appended into a typed array that doubles when full. */
export class LatencyRecorder {
  private buf: Float64Array;
  length = 0;

  constructor(initial = 1 << 16) {
    this.buf = new Float64Array(initial);
  }

  add(ms: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = ms;
  }

  /** p50/p90/p99/max/mean in ms (nearest rank), rounded to microseconds; zeros when empty. */
  summary(): LatencySummary {
    const n = this.length;
    if (n === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
    const sorted = this.buf.slice(0, n).sort();
    const at = (p: number): number => round3(sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i]!;
    return { p50: at(50), p90: at(90), p99: at(99), max: round3(sorted[n - 1]!), mean: round3(sum / n) };
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface IntervalReport {
  /** Seconds since the start, at the end of this interval. */
  atSec: number;
  calls: number;
  callsPerSec: number;
  errors: number;
}

export interface BenchResult {
  method: string;
  target: string;
  concurrency: number;
  depth: number;
  durationSec: number;
  /** Calls that completed (answered or failed). */
  calls: number;
  ok: number;
  errors: number;
  /** Completed calls per second over the whole run. */
  callsPerSec: number;
  /** Latency of the calls that succeeded. */
  latencyMs: LatencySummary;
  /** Of the errors, those of the transport (connect failed, connection closed, timed out). */
  transportErrors: number;
  /** Error message → how many calls failed with it. */
  errorsByMessage: Record<string, number>;
  /** True when stopped early (Ctrl-C). */
  interrupted: boolean;
}

export interface BenchRun {
  clients: ServiceClient[];
  target: string;
  method: string;
  /** Arguments for the next call (random ids substituted). */
  nextArgs(): unknown[];
  durationMs: number;
  depth: number;
  reportEveryMs: number;
  onInterval?(r: IntervalReport): void;
  signal?: AbortSignal;
}

export async function runBench(o: BenchRun): Promise<BenchResult> {
  const lat = new LatencyRecorder();
  const errorsByMessage = new Map<string, number>();
  let ok = 0;
  let errors = 0;
  let transportErrors = 0;
  const start = performance.now();
  const deadline = start + o.durationMs;
  const running = (): boolean => !o.signal?.aborted && performance.now() < deadline;

  const lane = async (client: ServiceClient): Promise<void> => {
    while (running()) {
      const t0 = performance.now();
      try {
        await client.call(o.method, ...o.nextArgs());
        lat.add(performance.now() - t0);
        ok++;
      } catch (e) {
        errors++;
        const msg = e instanceof Error ? e.message : String(e);
        errorsByMessage.set(msg, (errorsByMessage.get(msg) ?? 0) + 1);
        if (e instanceof RpcTransportError) {
          transportErrors++;
          // A refused or dropped connection fails at once: pause so a dead target is not hammered.
          if (!(e instanceof RpcTimeoutError)) await sleep(100);
        }
      }
    }
  };

  let lastCalls = 0;
  let lastErrors = 0;
  let lastAt = start;
  const ticker = setInterval(() => {
    const now = performance.now();
    const calls = ok + errors - lastCalls;
    o.onInterval?.({
      atSec: Math.round((now - start) / 100) / 10,
      calls,
      callsPerSec: Math.round((calls / ((now - lastAt) / 1000)) * 10) / 10,
      errors: errors - lastErrors,
    });
    lastCalls = ok + errors;
    lastErrors = errors;
    lastAt = now;
  }, o.reportEveryMs);
  try {
    await Promise.all(o.clients.flatMap((c) => Array.from({ length: o.depth }, () => lane(c))));
  } finally {
    clearInterval(ticker);
  }
  const durationSec = (performance.now() - start) / 1000;
  const calls = ok + errors;
  return {
    method: o.method,
    target: o.target,
    concurrency: o.clients.length,
    depth: o.depth,
    durationSec: Math.round(durationSec * 1000) / 1000,
    calls,
    ok,
    errors,
    transportErrors,
    callsPerSec: Math.round((calls / durationSec) * 10) / 10,
    latencyMs: lat.summary(),
    errorsByMessage: Object.fromEntries(errorsByMessage),
    interrupted: o.signal?.aborted ?? false,
  };
}
