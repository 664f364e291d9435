/**
 * Point ids of the anomaly engine (framework spec §3.4, engine spec §9): decimal strings from a
 * counter. Standalone, the server's own counter from 0; after a model is loaded it restarts at
 * the largest numeric id stored + 1 (1.1.1's find_max_int_id; 0 when none, so 1). In a cluster
 * the server draws them from ZooKeeper's id generator instead (from 1).
 */

/** The largest id that reads as an unsigned decimal integer (uint64), 0 when there is none. */
export function maxIntId(ids: Iterable<string>): bigint {
  let max = 0n;
  for (const id of ids) {
    if (!/^[0-9]+$/.test(id)) continue;
    const n = BigInt(id);
    if (n < 1n << 64n && n > max) max = n;
  }
  return max;
}

export class IdCounter {
  constructor(private next = 0n) {}

  /** The next id; every call uses one up, whether or not the point is then stored. */
  draw(): string {
    const id = this.next;
    this.next = (this.next + 1n) & 0xffffffffffffffffn;
    return id.toString();
  }

  /** Restarts after a load: the largest stored numeric id + 1. */
  resetAfter(ids: Iterable<string>): void {
    this.next = (maxIntId(ids) + 1n) & 0xffffffffffffffffn;
  }
}
