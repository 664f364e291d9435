/**
 * Stat's model (engine spec §10): one sliding window of the last `windowSize` pushes, all keys
 * together, and per-key running figures (count, Σx, Σx², min, max) kept the way 1.1.1 keeps
 * them: added on push, subtracted on eviction, min/max rescanned from the window when the
 * evicted value was the extreme. The sums are updated in the same order as 1.1.1's, so they
 * carry the same rounding.
 */

export interface KeyStats {
  n: number;
  sum: number;
  sum2: number;
  max: number;
  min: number;
}

/** A ring of (time, key, value), growing up to windowSize + 1 entries. */
export class StatWindow {
  private keys: string[] = [];
  private values = new Float64Array(16);
  private times = new Float64Array(16);
  private head = 0;
  private count = 0;
  readonly stats = new Map<string, KeyStats>();

  constructor(readonly windowSize: number) {}

  get size(): number {
    return this.count;
  }

  private slot(i: number): number {
    return (this.head + i) % this.values.length;
  }

  keyAt(i: number): string {
    return this.keys[this.slot(i)]!;
  }

  valueAt(i: number): number {
    return this.values[this.slot(i)]!;
  }

  timeAt(i: number): number {
    return this.times[this.slot(i)]!;
  }

  private grow(): void {
    const cap = this.values.length * 2;
    const keys: string[] = new Array<string>(cap);
    const values = new Float64Array(cap);
    const times = new Float64Array(cap);
    for (let i = 0; i < this.count; i++) {
      const s = this.slot(i);
      keys[i] = this.keys[s]!;
      values[i] = this.values[s]!;
      times[i] = this.times[s]!;
    }
    this.keys = keys;
    this.values = values;
    this.times = times;
    this.head = 0;
  }

  /** Appends without touching the per-key figures (model load). */
  append(time: number, key: string, value: number): void {
    if (this.count === this.values.length) this.grow();
    const s = this.slot(this.count);
    this.keys[s] = key;
    this.values[s] = value;
    this.times[s] = time;
    this.count++;
  }

  push(time: number, key: string, value: number): void {
    this.append(time, key, value);
    addValue(this.stats, key, value);
    while (this.count > this.windowSize) {
      const k = this.keys[this.head]!;
      const v = this.values[this.head]!;
      this.keys[this.head] = '';
      this.head = (this.head + 1) % this.values.length;
      this.count--;
      const st = this.stats.get(k)!;
      this.remove(st, k, v);
      if (st.n === 0) this.stats.delete(k);
    }
  }

  private remove(st: KeyStats, key: string, v: number): void {
    st.n -= 1;
    st.sum -= v;
    st.sum2 -= v * v;
    if (st.max === v) st.max = st.n > 0 ? this.extreme(key, Math.max) : 0;
    if (st.min === v) st.min = st.n > 0 ? this.extreme(key, Math.min) : 0;
  }

  private extreme(key: string, pick: (a: number, b: number) => number): number {
    let first = true;
    let out = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.keyAt(i) !== key) continue;
      const d = this.valueAt(i);
      // std::max/min keep the first argument on ties and NaN comparisons; Math.max would spread NaN.
      out = first ? d : cxxPick(out, d, pick);
      first = false;
    }
    return out;
  }

  clear(): void {
    this.keys = [];
    this.values = new Float64Array(16);
    this.times = new Float64Array(16);
    this.head = 0;
    this.count = 0;
    this.stats.clear();
  }
}

function cxxPick(a: number, b: number, pick: (a: number, b: number) => number): number {
  // std::max(a, b) = (a < b) ? b : a; std::min(a, b) = (b < a) ? b : a.
  return pick === Math.max ? (a < b ? b : a) : b < a ? b : a;
}

function addValue(stats: Map<string, KeyStats>, key: string, d: number): void {
  let st = stats.get(key);
  if (!st) {
    st = { n: 0, sum: 0, sum2: 0, max: 0, min: 0 };
    stats.set(key, st);
  }
  st.n += 1;
  st.sum += d;
  st.sum2 += d * d;
  st.max = st.n > 1 ? cxxPick(st.max, d, Math.max) : d;
  st.min = st.n > 1 ? cxxPick(st.min, d, Math.min) : d;
}
