/**
 * The one retry policy of juba's long-running parts (ZooKeeper sessions, RabbitMQ
 * connections, re-registration): waits double from `firstMs` up to `maxMs`, and every wait can
 * be cut short when the caller stops.
 */

export interface BackoffPolicy {
  /** Wait after the first failure. */
  firstMs: number;
  /** Ceiling of the doubling waits. */
  maxMs: number;
}

/** Reconnecting to ZooKeeper or RabbitMQ: 0.5 s, 1 s, 2 s … 10 s. */
export const RECONNECT: BackoffPolicy = { firstMs: 500, maxMs: 10_000 };

/** The wait after failed attempt number `attempt` (1-based). */
export function backoffDelay(attempt: number, p: BackoffPolicy): number {
  return Math.min(p.maxMs, p.firstMs * 2 ** Math.max(0, attempt - 1));
}

/** A sleep that `wake()` ends early (all sleepers at once). It holds the process open: a retry loop is work. */
export class Sleeper {
  private readonly wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

export interface RetryOptions {
  policy?: BackoffPolicy;
  /** Checked before each attempt and after each wait: true ends the loop (undefined result). */
  stopped: () => boolean;
  /** Told about each failure and the wait before the next attempt. */
  onError?: (err: unknown, attempt: number, delayMs: number) => void;
  sleeper?: Sleeper;
}

/**
 * Calls `fn` until it resolves, waiting by the policy after each failure; undefined when
 * `stopped()` turned true first.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T | undefined> {
  const policy = o.policy ?? RECONNECT;
  const sleeper = o.sleeper ?? new Sleeper();
  for (let attempt = 1; !o.stopped(); attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (o.stopped()) return undefined;
      const delay = backoffDelay(attempt, policy);
      o.onError?.(e, attempt, delay);
      await sleeper.sleep(delay);
    }
  }
  return undefined;
}
