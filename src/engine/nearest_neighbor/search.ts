/**
 * Brute-force ranking over the row table (spec §4.5): every row is scored, the `k` smallest
 * (score, row) pairs are kept in a bounded max-heap, and the result is sorted ascending. Rows are
 * scanned in index order, so once the heap is full a row can only enter with a strictly smaller
 * score — which is exactly "ties go to the lower row index".
 */
import type { RowTable } from './table.js';

export interface Ranked {
  rows: number[];
  /** Ascending: Hamming distances (as numbers) or euclid_lsh distances. */
  scores: number[];
}

const EMPTY: Ranked = { rows: [], scores: [] };

/** A bounded max-heap on (score, row), ordered lexicographically. */
class TopK {
  readonly s: Float64Array;
  readonly r: Int32Array;
  n = 0;

  constructor(readonly k: number) {
    this.s = new Float64Array(k);
    this.r = new Int32Array(k);
  }

  private greater(a: number, b: number): boolean {
    const sa = this.s[a]!, sb = this.s[b]!;
    return sa > sb || (sa === sb && this.r[a]! > this.r[b]!);
  }

  private swap(a: number, b: number): void {
    const s = this.s, r = this.r;
    const ts = s[a]!, tr = r[a]!;
    s[a] = s[b]!; r[a] = r[b]!;
    s[b] = ts; r[b] = tr;
  }

  push(score: number, row: number): void {
    let i = this.n++;
    this.s[i] = score;
    this.r[i] = row;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.greater(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Replaces the maximum (the caller knows the new pair is smaller) and restores the heap. */
  replaceTop(score: number, row: number): void {
    this.s[0] = score;
    this.r[0] = row;
    this.siftDown(0, this.n);
  }

  private siftDown(i: number, n: number): void {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let m = l;
      if (l + 1 < n && this.greater(l + 1, l)) m = l + 1;
      if (!this.greater(m, i)) return;
      this.swap(m, i);
      i = m;
    }
  }

  /** Drains the heap into ascending order. */
  sorted(): Ranked {
    const n = this.n;
    for (let end = n - 1; end > 0; end--) {
      this.swap(0, end);
      this.siftDown(0, end);
    }
    this.n = 0;
    return { rows: Array.from(this.r.subarray(0, n)), scores: Array.from(this.s.subarray(0, n)) };
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Hamming distance of every row to `q` (words at `q[qOff…]`). Two-word signatures (H ≤ 64, the
 * common case) get their own loop so the inner word loop disappears.
 */
export function rankHamming(t: RowTable, q: Uint32Array, qOff: number, k: number): Ranked {
  const n = t.size;
  if (k <= 0 || n === 0) return EMPTY;
  const heap = new TopK(Math.min(k, n));
  const cap = heap.k;
  const W = t.words;
  const sigs = t.sigs;
  let worst = Infinity;
  if (W === 2) {
    const q0 = q[qOff]!, q1 = q[qOff + 1]!;
    for (let i = 0, base = 0; i < n; i++, base += 2) {
      const h = popcount(q0 ^ sigs[base]!) + popcount(q1 ^ sigs[base + 1]!);
      if (h >= worst) continue;
      if (heap.n < cap) {
        heap.push(h, i);
        if (heap.n === cap) worst = heap.s[0]!;
      } else {
        heap.replaceTop(h, i);
        worst = heap.s[0]!;
      }
    }
    return heap.sorted();
  }
  for (let i = 0, base = 0; i < n; i++, base += W) {
    let h = 0;
    for (let w = 0; w < W; w++) h += popcount(q[qOff + w]! ^ sigs[base + w]!);
    if (h >= worst) continue;
    if (heap.n < cap) {
      heap.push(h, i);
      if (heap.n === cap) worst = heap.s[0]!;
    } else {
      heap.replaceTop(h, i);
      worst = heap.s[0]!;
    }
  }
  return heap.sorted();
}

/** cos(π·h/H) for h = 0..H, evaluated exactly as the distance formula needs it. */
export function cosTable(hashNum: number): Float64Array {
  const t = new Float64Array(hashNum + 1);
  for (let h = 0; h <= hashNum; h++) t[h] = Math.cos((Math.PI * h) / hashNum);
  return t;
}

/**
 * euclid_lsh distances: |nq − ni| when the signatures agree, else the law of cosines with the
 * LSH angle estimate, sqrt(nq² + ni² − 2·nq·ni·cos θ), evaluated in that order so the doubles
 * are bit-identical to Jubatus's. The square root is taken only for rows that can still enter
 * the heap: sqrt(d²) < worst implies d² < worst² (sqrt is correctly rounded and monotonic), and
 * the threshold below is nudged above fl(worst²) so the cheap test never rejects a row the exact
 * test would accept.
 */
export function rankEuclid(t: RowTable, q: Uint32Array, qOff: number, nq: number, k: number, cos: Float64Array): Ranked {
  const n = t.size;
  if (k <= 0 || n === 0) return EMPTY;
  const heap = new TopK(Math.min(k, n));
  const cap = heap.k;
  const W = t.words;
  const sigs = t.sigs;
  const norms = t.norms!;
  const nq2 = nq * nq;
  const twoNq = 2 * nq;
  let full = false;
  let worst = Infinity;
  let worst2 = Infinity;
  const q0 = q[qOff]!, q1 = W > 1 ? q[qOff + 1]! : 0;
  for (let i = 0, base = 0; i < n; i++, base += W) {
    let h: number;
    if (W === 2) h = popcount(q0 ^ sigs[base]!) + popcount(q1 ^ sigs[base + 1]!);
    else {
      h = 0;
      for (let w = 0; w < W; w++) h += popcount(q[qOff + w]! ^ sigs[base + w]!);
    }
    const ni = norms[i]!;
    let d: number;
    if (h === 0) {
      d = Math.abs(nq - ni);
      if (full && !(d < worst)) continue;
    } else {
      const d2 = nq2 + ni * ni - twoNq * ni * cos[h]!;
      if (full && !(d2 < worst2)) continue;
      d = Math.sqrt(d2);
      if (full && !(d < worst)) continue;
    }
    if (!full) {
      heap.push(d, i);
      if (heap.n < cap) continue;
      full = true;
    } else {
      heap.replaceTop(d, i);
    }
    worst = heap.s[0]!;
    worst2 = worst * worst * (1 + 2 ** -50);
  }
  return heap.sorted();
}
