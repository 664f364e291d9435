/**
 * Brute-force ranking over the row table (spec §4.5): every row is scored, the `k` smallest
 * (score, row) pairs are kept in a bounded max-heap, and the result is sorted ascending.
 *
 * Rows are scanned in index order, so once the heap is full a row can only enter with a strictly
 * smaller score — which is exactly "ties go to the lower row index". The scan runs in blocks: a
 * block is filtered against the threshold as it stood when the block began (a constant, so the
 * inner loop stays a tight compare-and-skip), and the few survivors are then offered to the heap
 * in row order with the exact comparison. Survivors are a superset of the rows a row-by-row scan
 * would insert, and offering them in order reproduces that scan's heap exactly.
 *
 * When the table keeps its signatures in wasm memory the block filter is a wasm Hamming scan
 * against a distance bound (scan-wasm.ts); the survivors then take the same exact JS steps, so
 * both paths return identical results.
 */
import { SCAN_BLOCK, type WasmSigStore } from './scan-wasm.js';
import { TopK, type Ranked } from './top-k.js';

export type { Ranked } from './top-k.js';

/** What a ranking reads: a RowTable, or an analysis thread's view of one (scan-reader.ts). */
export interface RankSource {
  readonly size: number;
  readonly words: number;
  readonly sigs: Uint32Array;
  readonly norms: Float64Array | null;
  readonly scanner: WasmSigStore | null;
}

const EMPTY: Ranked = { rows: [], scores: [] };
// Blocks start small and double: the threshold from the first k rows is loose, and a large first
// block would let most of its rows through to the exact (sqrt) path.
const FIRST_BLOCK = 64;
const BLOCK = SCAN_BLOCK;

// Survivor buffers, reused across queries (the engine is synchronous).
const candRow = new Int32Array(BLOCK);
const candScore = new Float64Array(BLOCK);

// Bit counts of every 16-bit value: two lookups per word measured faster in V8 than the SWAR
// popcount (0.23 vs 0.33 ms per 100k two-word rows), and 64 KiB stays in L2.
const POP16 = new Uint8Array(65536);
for (let i = 1; i < 65536; i++) POP16[i] = (i & 1) + POP16[i >>> 1]!;

function hamming(q: Uint32Array, qOff: number, sigs: Uint32Array, base: number, W: number): number {
  let h = 0;
  for (let w = 0; w < W; w++) {
    const x = q[qOff + w]! ^ sigs[base + w]!;
    h += POP16[x & 0xffff]! + POP16[x >>> 16]!;
  }
  return h;
}

/**
 * Ranks the query signature `q` (norm `norm` for euclid_lsh, whose `cos` table is given; null
 * for Hamming methods) over `src`, `k` best. The one ranking step, on the thread that owns the
 * table and on analysis threads alike, so both give identical results and tie order.
 */
export function rankQuery(src: RankSource, cos: Float64Array | null, q: Uint32Array, norm: number, k: number): Ranked {
  return cos ? rankEuclid(src, q, 0, norm, k, cos) : rankHamming(src, q, 0, k);
}

/** cos(π·h/H) for h = 0..H, evaluated exactly as the distance formula needs it. */
export function cosTable(hashNum: number): Float64Array {
  const t = new Float64Array(hashNum + 1);
  for (let h = 0; h <= hashNum; h++) t[h] = Math.cos((Math.PI * h) / hashNum);
  return t;
}

/**
 * The euclid_lsh distance estimate: |nq − ni| when the signatures agree, else the law of cosines
 * with the LSH angle, sqrt(nq² + ni² − 2·nq·ni·cos θ), in that evaluation order so the doubles
 * are bit-identical to Jubatus's.
 */
export function euclidDistance(h: number, nq: number, ni: number, cos: Float64Array): number {
  if (h === 0) return Math.abs(nq - ni);
  return Math.sqrt(nq * nq + ni * ni - 2 * nq * ni * cos[h]!);
}

/** Pushes survivors into the heap in row order; returns the new worst score. */
function offer(heap: TopK, count: number): number {
  for (let j = 0; j < count; j++) {
    const s = candScore[j]!;
    if (s < heap.s[0]!) heap.replaceTop(s, candRow[j]!);
  }
  return heap.s[0]!;
}

/** Hamming distance to `q`, `k` smallest; scores are the distances h. */
export function rankHamming(t: RankSource, q: Uint32Array, qOff: number, k: number): Ranked {
  const n = t.size;
  if (k <= 0 || n === 0) return EMPTY;
  const heap = new TopK(Math.min(k, n));
  const W = t.words;
  const sigs = t.sigs;
  for (let i = 0; i < heap.k; i++) heap.push(hamming(q, qOff, sigs, i * W, W), i);
  let worst = heap.s[0]!;
  const wasm = t.scanner;
  for (let from = heap.k, len = FIRST_BLOCK; from < n && worst > 0; from += len, len = Math.min(BLOCK, len * 2)) {
    const to = Math.min(n, from + len);
    if (wasm) {
      worst = offerHammingSurvivors(heap, wasm, wasm.scan(q, qOff, from, to, worst - 1));
      continue;
    }
    const c = W === 2 ? hammingBlock2(sigs, q[qOff]!, q[qOff + 1]!, from, to, worst) : hammingBlockN(sigs, q, qOff, W, from, to, worst);
    worst = offer(heap, c);
  }
  return heap.sorted();
}

/** offer() for the wasm survivors of a Hamming block: each pair already carries its score. */
function offerHammingSurvivors(heap: TopK, wasm: WasmSigStore, count: number): number {
  const out = wasm.out;
  for (let j = 0; j < 2 * count; j += 2) {
    const h = out[j + 1]!;
    if (h < heap.s[0]!) heap.replaceTop(h, out[j]!);
  }
  return heap.s[0]!;
}

function hammingBlock2(sigs: Uint32Array, q0: number, q1: number, from: number, to: number, worst: number): number {
  const pop = POP16;
  let c = 0;
  for (let i = from, base = from * 2; i < to; i++, base += 2) {
    const x = q0 ^ sigs[base]!, y = q1 ^ sigs[base + 1]!;
    const h = pop[x & 0xffff]! + pop[x >>> 16]! + pop[y & 0xffff]! + pop[y >>> 16]!;
    if (h < worst) {
      candRow[c] = i;
      candScore[c++] = h;
    }
  }
  return c;
}

function hammingBlockN(sigs: Uint32Array, q: Uint32Array, qOff: number, W: number, from: number, to: number, worst: number): number {
  let c = 0;
  for (let i = from; i < to; i++) {
    const h = hamming(q, qOff, sigs, i * W, W);
    if (h < worst) {
      candRow[c] = i;
      candScore[c++] = h;
    }
  }
  return c;
}

/**
 * euclid_lsh: distances to (q, nq), `k` smallest. Two cheap filters run before the exact formula:
 * Hamming distances at which no norm can beat the threshold skip the row outright (see
 * `hopeless`), and the square root is taken only when d² < worst² — sqrt is correctly rounded and
 * monotonic, so sqrt(d²) < worst implies it, and the d² threshold is nudged above fl(worst²) so
 * the cheap test never drops a row the exact test would keep.
 */
export function rankEuclid(t: RankSource, q: Uint32Array, qOff: number, nq: number, k: number, cos: Float64Array): Ranked {
  const n = t.size;
  if (k <= 0 || n === 0) return EMPTY;
  const heap = new TopK(Math.min(k, n));
  const W = t.words;
  const sigs = t.sigs;
  const norms = t.norms!;
  for (let i = 0; i < heap.k; i++) heap.push(euclidDistance(hamming(q, qOff, sigs, i * W, W), nq, norms[i]!, cos), i);
  let worst = heap.s[0]!;
  const wasm = t.scanner;
  // Once the worst kept distance is 0 nothing can beat it (exact self matches do this).
  for (let from = heap.k, len = FIRST_BLOCK; from < n && worst > 0; from += len, len = Math.min(BLOCK, len * 2)) {
    const to = Math.min(n, from + len);
    const c = wasm
      ? euclidBlockWasm(wasm, q, qOff, norms, nq, cos, from, to, worst)
      : W === 2
      ? euclidBlock2(sigs, norms, q[qOff]!, q[qOff + 1]!, nq, cos, from, to, worst)
      : euclidBlockN(sigs, norms, q, qOff, W, nq, cos, from, to, worst);
    worst = offer(heap, c);
  }
  return heap.sorted();
}

function euclidBlock2(
  sigs: Uint32Array, norms: Float64Array, q0: number, q1: number, nq: number, cos: Float64Array,
  from: number, to: number, worst: number,
): number {
  const pop = POP16;
  const nq2 = nq * nq;
  const twoNq = 2 * nq;
  const worst2 = worst * worst * (1 + 2 ** -50);
  const skip = hopeless(nq, cos, worst2);
  let c = 0;
  let i = from;
  // Two rows per step: most pairs are both hopeless, and one combined test skips them.
  for (let base = from * 2; i + 1 < to; i += 2, base += 4) {
    const x0 = q0 ^ sigs[base]!, y0 = q1 ^ sigs[base + 1]!;
    const x1 = q0 ^ sigs[base + 2]!, y1 = q1 ^ sigs[base + 3]!;
    const h0 = pop[x0 & 0xffff]! + pop[x0 >>> 16]! + pop[y0 & 0xffff]! + pop[y0 >>> 16]!;
    const h1 = pop[x1 & 0xffff]! + pop[x1 >>> 16]! + pop[y1 & 0xffff]! + pop[y1 >>> 16]!;
    if ((skip[h0]! & skip[h1]!) === 1) continue;
    if (skip[h0] === 0) c = euclidCandidate(h0, nq, nq2, twoNq, norms[i]!, cos, worst, worst2, i, c);
    if (skip[h1] === 0) c = euclidCandidate(h1, nq, nq2, twoNq, norms[i + 1]!, cos, worst, worst2, i + 1, c);
  }
  if (i < to) {
    const x = q0 ^ sigs[i * 2]!, y = q1 ^ sigs[i * 2 + 1]!;
    const h = pop[x & 0xffff]! + pop[x >>> 16]! + pop[y & 0xffff]! + pop[y >>> 16]!;
    if (skip[h] === 0) c = euclidCandidate(h, nq, nq2, twoNq, norms[i]!, cos, worst, worst2, i, c);
  }
  return c;
}

/**
 * The wasm Hamming scan drops every row above the largest distance `hopeless` leaves unmarked
 * (the marks grow with h, and rows it lets through are still checked against the marks), and
 * the survivors take the exact test in row order, as in euclidBlock2.
 */
function euclidBlockWasm(
  wasm: WasmSigStore, q: Uint32Array, qOff: number, norms: Float64Array, nq: number, cos: Float64Array,
  from: number, to: number, worst: number,
): number {
  const worst2 = worst * worst * (1 + 2 ** -50);
  const skip = hopeless(nq, cos, worst2);
  const count = wasm.scan(q, qOff, from, to, skipScratch.bound);
  const out = wasm.out;
  const nq2 = nq * nq;
  const twoNq = 2 * nq;
  let c = 0;
  for (let j = 0; j < 2 * count; j += 2) {
    const h = out[j + 1]!;
    if (skip[h] === 0) c = euclidCandidate(h, nq, nq2, twoNq, norms[out[j]!]!, cos, worst, worst2, out[j]!, c);
  }
  return c;
}

/** Scores one row that passed the Hamming test; records it if it beats `worst`. Returns the count. */
function euclidCandidate(
  h: number, nq: number, nq2: number, twoNq: number, ni: number, cos: Float64Array,
  worst: number, worst2: number, i: number, c: number,
): number {
  let d: number;
  if (h === 0) {
    d = Math.abs(nq - ni);
  } else {
    const d2 = nq2 + ni * ni - twoNq * ni * cos[h]!;
    if (!(d2 < worst2)) return c;
    d = Math.sqrt(d2);
  }
  if (d < worst) {
    candRow[c] = i;
    candScore[c++] = d;
  }
  return c;
}

// The last `hopeless` table and its inputs: the threshold often stays put for many blocks.
const skipScratch = { a: new Uint8Array(0), nq: NaN, worst2: NaN, cos: null as Float64Array | null, bound: 0 };

/**
 * Marks the Hamming distances at which no row can beat `worst`, whatever its norm: over all
 * ni ≥ 0, d² ≥ nq²·sin²θ when cos θ ≥ 0 and d² ≥ nq² otherwise. The margin dwarfs the rounding
 * error of the d² formula (≈ 1e-16·nq² near the minimum), so the skip stays conservative.
 * `skipScratch.bound` is left at the largest unmarked distance.
 */
function hopeless(nq: number, cos: Float64Array, worst2: number): Uint8Array {
  const s = skipScratch;
  if (nq === s.nq && worst2 === s.worst2 && cos === s.cos) return s.a;
  const n = cos.length;
  if (s.a.length !== n) s.a = new Uint8Array(n);
  const a = s.a;
  const nq2 = nq * nq;
  const margin = 1e-9 * nq2;
  a[0] = 0;
  let bound = 0;
  for (let h = 1; h < n; h++) {
    const c = cos[h]!;
    const lb = c >= 0 ? nq2 * (1 - c * c) : nq2;
    a[h] = lb - margin > worst2 ? 1 : 0;
    if (a[h] === 0) bound = h;
  }
  s.nq = nq;
  s.worst2 = worst2;
  s.cos = cos;
  s.bound = bound;
  return a;
}

function euclidBlockN(
  sigs: Uint32Array, norms: Float64Array, q: Uint32Array, qOff: number, W: number, nq: number, cos: Float64Array,
  from: number, to: number, worst: number,
): number {
  const worst2 = worst * worst * (1 + 2 ** -50);
  const skip = hopeless(nq, cos, worst2);
  let c = 0;
  for (let i = from; i < to; i++) {
    const h = hamming(q, qOff, sigs, i * W, W);
    if (skip[h] === 0) c = euclidCandidate(h, nq, nq * nq, 2 * nq, norms[i]!, cos, worst, worst2, i, c);
  }
  return c;
}
