/**
 * Clustering's points and distances (engine spec §13; core clustering/types.hpp, util.cpp).
 * A stored point is Jubatus's `weighted_point`: id, weight, its feature vector sorted by key and
 * merged, and the datum it came from. Distance loops never walk these objects: a batch packs
 * the points once into a `PointMatrix` (CSR rows over integer ranks that follow the UTF-8 key
 * order, so every sum runs in the order 1.1.1's sorted-vector merges run it).
 */
import type { Datum, FeatureVector } from '../datum.js';
import { compareUtf8 } from '../fv/sort-merge.js';

export interface WeightedPoint {
  id: string;
  weight: number;
  /** sorted by UTF-8 key, merged (Jubatus `sort_and_merge`) */
  keys: string[];
  values: number[];
  original: Datum;
}

export type DistanceName = 'euclidean' | 'cosine';

/** A sparse vector in a matrix's rank space (ranks ascend with the key order). */
export interface RankVector {
  idx: Int32Array;
  val: Float64Array;
}

/** Points packed as CSR rows over one key dictionary. */
export class PointMatrix {
  readonly n: number;
  /** rank → key, in UTF-8 order */
  readonly keys: string[];
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
  readonly val: Float64Array;
  readonly weight: Float64Array;

  constructor(points: readonly WeightedPoint[]) {
    const dict = new Set<string>();
    let nnz = 0;
    for (const p of points) {
      for (const k of p.keys) dict.add(k);
      nnz += p.keys.length;
    }
    this.keys = [...dict].sort(compareUtf8);
    const rank = new Map<string, number>();
    this.keys.forEach((k, i) => rank.set(k, i));
    this.n = points.length;
    this.ptr = new Int32Array(this.n + 1);
    this.idx = new Int32Array(nnz);
    this.val = new Float64Array(nnz);
    this.weight = new Float64Array(this.n);
    let at = 0;
    points.forEach((p, i) => {
      this.weight[i] = p.weight;
      for (let j = 0; j < p.keys.length; j++) {
        this.idx[at] = rank.get(p.keys[j]!)!;
        this.val[at] = p.values[j]!;
        at++;
      }
      this.ptr[i + 1] = at;
    });
  }

  row(i: number): RankVector {
    return { idx: this.idx.subarray(this.ptr[i]!, this.ptr[i + 1]!), val: this.val.subarray(this.ptr[i]!, this.ptr[i + 1]!) };
  }
}

/**
 * `sfv_euclid_dist` over two spans of rank-sorted (idx, val) arrays: squares summed in merged
 * key order, then sqrt. Spans let a matrix's rows be compared without a view object per row.
 */
export function euclidSpan(
  ai: Int32Array, av: Float64Array, a0: number, a1: number, bi: Int32Array, bv: Float64Array, b0: number, b1: number,
): number {
  let i = a0, j = b0, s = 0;
  while (i < a1 && j < b1) {
    const x = ai[i]!, y = bi[j]!;
    if (x < y) { s += av[i]! * av[i]!; i++; }
    else if (x > y) { s += bv[j]! * bv[j]!; j++; }
    else { const d = av[i]! - bv[j]!; s += d * d; i++; j++; }
  }
  for (; i < a1; i++) s += av[i]! * av[i]!;
  for (; j < b1; j++) s += bv[j]! * bv[j]!;
  return Math.sqrt(s);
}

function normSpan(v: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** `sfv_cosine_dist`: 1 − clamp(cos, −1, 1); 1 when either side is the zero vector. */
export function cosineSpan(
  ai: Int32Array, av: Float64Array, a0: number, a1: number, bi: Int32Array, bv: Float64Array, b0: number, b1: number,
): number {
  const na = normSpan(av, a0, a1), nb = normSpan(bv, b0, b1);
  if (na === 0 || nb === 0) return 1;
  let i = a0, j = b0, dot = 0;
  while (i < a1 && j < b1) {
    const x = ai[i]!, y = bi[j]!;
    if (x < y) i++;
    else if (x > y) j++;
    else { dot += av[i]! * bv[j]!; i++; j++; }
  }
  return 1 - Math.min(Math.max(-1, dot / na / nb), 1);
}

export type SpanDistance = typeof euclidSpan;

export function spanDistance(name: DistanceName): SpanDistance {
  return name === 'cosine' ? cosineSpan : euclidSpan;
}

function normOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

export type FvDistance = (a: FeatureVector, b: FeatureVector) => number;

/** The same two distances over string-keyed sorted vectors (queries, members of a cluster). */
export function euclidFv(a: FeatureVector, b: FeatureVector): number {
  const ak = a.keys, av = a.values, bk = b.keys, bv = b.values;
  let i = 0, j = 0, s = 0;
  while (i < ak.length && j < bk.length) {
    const c = compareUtf8(ak[i]!, bk[j]!);
    if (c < 0) { s += av[i]! * av[i]!; i++; }
    else if (c > 0) { s += bv[j]! * bv[j]!; j++; }
    else { const d = av[i]! - bv[j]!; s += d * d; i++; j++; }
  }
  for (; i < ak.length; i++) s += av[i]! * av[i]!;
  for (; j < bk.length; j++) s += bv[j]! * bv[j]!;
  return Math.sqrt(s);
}

export function cosineFv(a: FeatureVector, b: FeatureVector): number {
  const na = normOf(a.values), nb = normOf(b.values);
  if (na === 0 || nb === 0) return 1;
  const ak = a.keys, av = a.values, bk = b.keys, bv = b.values;
  let i = 0, j = 0, dot = 0;
  while (i < ak.length && j < bk.length) {
    const c = compareUtf8(ak[i]!, bk[j]!);
    if (c < 0) i++;
    else if (c > 0) j++;
    else { dot += av[i]! * bv[j]!; i++; j++; }
  }
  return 1 - Math.min(Math.max(-1, dot / na / nb), 1);
}

export function fvDistance(name: DistanceName): FvDistance {
  return name === 'cosine' ? cosineFv : euclidFv;
}

/** `min_dist`: index of the first nearest center (strict `>`), and its distance. */
export function nearestFv(p: FeatureVector, centers: readonly FeatureVector[], dist: FvDistance): { index: number; dist: number } {
  let index = 0;
  let best = Number.MAX_VALUE;
  for (let c = 0; c < centers.length; c++) {
    const d = dist(p, centers[c]!);
    if (best > d) { index = c; best = d; }
  }
  return { index, dist: best };
}

export function fvOf(p: WeightedPoint): FeatureVector {
  return { keys: p.keys, values: p.values };
}

export function withWeight(p: WeightedPoint, weight: number): WeightedPoint {
  return { id: p.id, weight, keys: p.keys, values: p.values, original: p.original };
}
