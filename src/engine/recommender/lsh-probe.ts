/**
 * The bucket keys of euclid_lsh (1.1.1's lsh_util / hash_lv): a table's key is the floors of
 * its shifted projections plus the table number, hashed with FNV-1 64 over each int's 4
 * little-endian bytes; multi-probe visits the perturbations of those floors (each coordinate
 * ±1) by increasing score, a heap over (score, table, perturbation set) as 1.1.1's.
 */
const fround = Math.fround;

/** FNV-1 64 over the 4 little-endian bytes of each int (1.1.1's hash_lv). */
export function hashInts(v: Int32Array | number[]): bigint {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]! >>> 0;
    for (let s = 0; s < 32; s += 8) {
      // (hi:lo) × 0x100000001b3 mod 2^64.
      const p = lo * 0x1b3;
      const carry = Math.floor(p / 4294967296);
      hi = (Math.imul(hi, 0x1b3) + ((lo << 8) >>> 0) + carry) >>> 0;
      lo = (p >>> 0) ^ ((x >>> s) & 0xff);
      lo >>>= 0;
    }
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Multi-probe order (1.1.1's lsh_probe_generator): perturbations by increasing score. */
export class ProbeGenerator {
  private readonly cands: Array<Array<[number, number]>> = [];
  private heap: Array<{ score: number; table: number; diff: number[] }> = [];

  constructor(
    private readonly shifted: Float32Array,
    private readonly base: Int32Array,
    private readonly tables: number,
    private readonly width: number,
  ) {}

  init(): void {
    const W = this.width;
    for (let t = 0; t < this.tables; t++) {
      const c: Array<[number, number]> = [];
      for (let j = 0; j < W; j++) {
        const dist = fround(this.shifted[t * W + j]! - this.base[t * W + j]!);
        const up = fround(1 - dist);
        c.push([fround(up * up), j], [fround(dist * dist), ~j]);
      }
      c.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      this.cands.push(c);
    }
    for (let t = 0; t < this.tables; t++) if (this.cands[t]!.length > 0) this.push({ score: this.cands[t]![0]![0], table: t, diff: [0] });
  }

  /** The next probe's table and key (without the table number); undefined when exhausted. */
  next(): { table: number; key: Int32Array } | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    const W = this.width;
    const key = this.base.slice(top.table * W, top.table * W + W);
    const c = this.cands[top.table]!;
    for (const d of top.diff) {
      const idx = c[d]![1];
      if (idx >= 0) key[idx] = key[idx]! + 1;
      else key[~idx] = key[~idx]! - 1;
    }
    this.pop();
    const last = top.diff[top.diff.length - 1]!;
    if (last + 1 < c.length) {
      const shifted = top.diff.slice();
      shifted[shifted.length - 1] = last + 1;
      this.push({ score: top.score + (c[last + 1]![0] - c[last]![0]), table: top.table, diff: shifted });
      this.push({ score: top.score + c[last + 1]![0], table: top.table, diff: [...top.diff, last + 1] });
    }
    return { table: top.table, key };
  }

  private less(a: { score: number; table: number; diff: number[] }, b: { score: number; table: number; diff: number[] }): boolean {
    if (a.score !== b.score) return a.score < b.score;
    if (a.table !== b.table) return a.table < b.table;
    const n = Math.min(a.diff.length, b.diff.length);
    for (let i = 0; i < n; i++) if (a.diff[i] !== b.diff[i]) return a.diff[i]! < b.diff[i]!;
    return a.diff.length < b.diff.length;
  }

  private push(e: { score: number; table: number; diff: number[] }): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
