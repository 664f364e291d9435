/**
 * The coreset compressors of the compressive storage (core clustering/kmeans_compressor.cpp,
 * gmm_compressor.cpp): a bicriteria approximation (rounds of `bsize` draws ∝ weight, each
 * followed by keeping only the fraction r of the remaining points farthest from the drawn
 * ones), then, if it came out smaller than the target, importance samples ∝ sensitivity, and
 * finally each bicriteria point weighs what is nearest to it minus the samples nearest to it
 * (clamped at 0). 1.1.1 builds the compressor with the euclidean distance whatever `distance`
 * says (its storage factory drops the argument); so does juba.
 *
 * Quirks kept because they decide which points a seed picks: the draw buffer shrinks to the
 * number of distinct indices of each round and stays that size; samples are drawn with
 * replacement (the same id can appear twice); padding bicriteria points are empty points.
 */
import { Mt19937 } from '../common/mt19937.js';
import { emptyDatum } from '../datum.js';
import { euclidSpan, PointMatrix, withWeight, type WeightedPoint } from './points.js';
import { DiscreteDistribution, partialSortPrefix } from './sampling.js';

const DBL_MIN = 2.2250738585072014e-308;

/** A point during compression: a row of the source matrix (-1: an empty padding point) and a weight. */
interface Ref {
  row: number;
  weight: number;
}

export type CompressorKind = 'kmeans' | 'gmm';

export class Compressor {
  private readonly rng: Mt19937;

  constructor(readonly kind: CompressorKind, seed: number) {
    this.rng = new Mt19937(seed >>> 0);
  }

  compress(src: readonly WeightedPoint[], bsize: number, dstsize: number): WeightedPoint[] {
    if (dstsize >= src.length) return src.slice();
    const { ptr, idx, val } = new PointMatrix(src);
    // a padding point (row -1) is the empty span [0, 0)
    const from = (r: number): number => (r < 0 ? 0 : ptr[r]!);
    const to = (r: number): number => (r < 0 ? 0 : ptr[r + 1]!);
    const nearest = (p: Ref, list: readonly Ref[]): { index: number; dist: number } => {
      let index = 0;
      let best = Number.MAX_VALUE;
      const p0 = from(p.row), p1 = to(p.row);
      for (let i = 0; i < list.length; i++) {
        const r = list[i]!.row;
        const d = euclidSpan(idx, val, from(r), to(r), idx, val, p0, p1);
        if (best > d) { best = d; index = i; }
      }
      return { index, dist: best };
    };
    const srcRefs: Ref[] = src.map((p, i) => ({ row: i, weight: p.weight }));
    const bic = this.bicriteria(srcRefs, bsize, dstsize, nearest);
    const dst: Ref[] = [];
    if (bic.length < dstsize) this.toCoreset(srcRefs, bic, dstsize - bic.length, dst, nearest);
    // bicriteria_as_coreset
    const centres: Ref[] = bic.slice(0, Math.max(0, dstsize - dst.length)).map((r) => ({ row: r.row, weight: 0 }));
    while (centres.length < dstsize - dst.length) centres.push({ row: -1, weight: 0 });
    for (const p of dst) centres[nearest(p, centres).index]!.weight -= p.weight;
    for (const p of srcRefs) centres[nearest(p, centres).index]!.weight += p.weight;
    dst.push(...centres);
    return dst.map((r) => {
      const weight = r.weight < 0 ? 0 : r.weight;
      return r.row < 0 ? { id: '', weight, keys: [], values: [], original: emptyDatum() } : withWeight(src[r.row]!, weight);
    });
  }

  private bicriteria(src: Ref[], bsize: number, dstsize: number, nearest: Nearest): Ref[] {
    const dst: Ref[] = [];
    let resid = src.slice();
    const r = Math.max(0.1, (1 - Math.exp((bsize * (Math.log(bsize) - Math.log(src.length))) / dstsize)) / 2);
    let draws = bsize;
    while (resid.length > 1 && dst.length < dstsize) {
      const dd = new DiscreteDistribution(resid.map((p) => p.weight), this.rng.nextInt());
      const ind: number[] = [];
      for (let i = 0; i < draws; i++) ind.push(dd.next());
      ind.sort((a, b) => a - b);
      const uniq = ind.filter((v, i) => i === 0 || v !== ind[i - 1]);
      draws = uniq.length;
      for (const i of uniq) dst.push(resid[i]!);
      const negDist = resid.map((p) => -nearest(p, dst).dist);
      let size = Math.min(resid.length, Math.floor(resid.length * r));
      if (size === 0) size = 1;
      resid = partialSortPrefix(negDist, resid, size);
    }
    return dst;
  }

  private toCoreset(src: readonly Ref[], bic: readonly Ref[], dstsize: number, dst: Ref[], nearest: Nearest): void {
    if (bic.length === 0) {
      dst.push(...src);
      return;
    }
    let weightSum = 0;
    let sqSum = 0;
    const idx = new Int32Array(src.length);
    const dist = new Float64Array(src.length);
    const scores = new Float64Array(bic.length);
    src.forEach((p, i) => {
      const m = nearest(p, bic);
      idx[i] = m.index;
      dist[i] = m.dist;
      scores[m.index] = scores[m.index]! + p.weight;
      sqSum += m.dist * m.dist * p.weight;
      weightSum += p.weight;
    });
    sqSum = Math.max(sqSum, DBL_MIN);
    const probs = new Float64Array(src.length);
    let sumw = 0;
    src.forEach((p, i) => {
      const d2 = (dist[i]! * dist[i]! * p.weight) / sqSum;
      const prob = this.kind === 'gmm'
        ? Math.ceil(weightSum * (5.0 / scores[idx[i]!]! + d2))
        : Math.ceil(weightSum * d2) + 1;
      probs[i] = prob;
      sumw += prob;
    });
    const dd = new DiscreteDistribution(probs, this.rng.nextInt());
    for (let i = 0; i < dstsize; i++) {
      const at = dd.next();
      const prob = probs[at]! / sumw;
      dst.push({ row: src[at]!.row, weight: src[at]!.weight * (1.0 / dstsize / prob) });
    }
  }
}

type Nearest = (p: Ref, list: readonly Ref[]) => { index: number; dist: number };
