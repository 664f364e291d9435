/**
 * k-means (core clustering/kmeans_clustering_method.cpp): the first center is the first point;
 * each further one is drawn ∝ (distance to the nearest chosen center · weight) — not squared —
 * by a discrete distribution seeded from the method's MT19937, which lives as long as the
 * method (a clear does not reseed it). Lloyd iterations follow until no center moves more than
 * 1e-9. With fewer points than k nothing changes (an earlier clustering stays).
 */
import { Mt19937 } from '../common/mt19937.js';
import type { FeatureVector } from '../datum.js';
import { notPerformed, type ClusteringMethod } from './method.js';
import { DiscreteDistribution } from './sampling.js';
import {
  fvDistance, fvOf, nearestFv, PointMatrix, spanDistance, type DistanceName, type FvDistance, type RankVector, type SpanDistance,
  type WeightedPoint,
} from './points.js';

export class KMeans implements ClusteringMethod {
  private readonly rng: Mt19937;
  private centers: FeatureVector[] = [];
  private readonly span: SpanDistance;
  private readonly dist: FvDistance;

  constructor(readonly k: number, seed: number, distance: DistanceName) {
    this.rng = new Mt19937(seed >>> 0);
    this.span = spanDistance(distance);
    this.dist = fvDistance(distance);
  }

  batchUpdate(points: readonly WeightedPoint[]): void {
    if (points.length === 0) {
      this.centers = [];
      return;
    }
    if (points.length < this.k) return;
    const m = new PointMatrix(points);
    let centers = this.initialCenters(m);
    const d = m.keys.length;
    const acc = new Float64Array(d);
    const seen = new Uint8Array(d);
    for (;;) {
      const assign = new Int32Array(m.n);
      const count = new Float64Array(this.k);
      for (let i = 0; i < m.n; i++) {
        assign[i] = this.nearest(m, i, centers);
        count[assign[i]!] += m.weight[i]!;
      }
      let done = true;
      const next: RankVector[] = [];
      for (let c = 0; c < this.k; c++) {
        if (count[c] === 0) {
          next.push(centers[c]!);
          continue;
        }
        acc.fill(0);
        seen.fill(0);
        for (let i = 0; i < m.n; i++) {
          if (assign[i] !== c) continue;
          const w = m.weight[i]!;
          for (let j = m.ptr[i]!; j < m.ptr[i + 1]!; j++) {
            const r = m.idx[j]!;
            // a first contribution is stored as is (keeps -0 like 1.1.1's insert)
            if (seen[r]) acc[r] = acc[r]! + m.val[j]! * w;
            else { acc[r] = m.val[j]! * w; seen[r] = 1; }
          }
        }
        const inv = 1.0 / count[c]!;
        const nz: number[] = [];
        for (let r = 0; r < d; r++) if (seen[r]) nz.push(r);
        const v: RankVector = { idx: Int32Array.from(nz), val: Float64Array.from(nz, (r) => acc[r]! * inv) };
        const old = centers[c]!;
        if (this.span(v.idx, v.val, 0, v.idx.length, old.idx, old.val, 0, old.idx.length) > 1e-9) done = false;
        next.push(v);
      }
      centers = next;
      if (done) break;
    }
    this.centers = centers.map((v) => ({ keys: Array.from(v.idx, (r) => m.keys[r]!), values: Array.from(v.val) }));
  }

  private initialCenters(m: PointMatrix): RankVector[] {
    const centers: RankVector[] = [m.row(0)];
    const weights = new Float64Array(m.n);
    while (centers.length < this.k) {
      for (let i = 0; i < m.n; i++) {
        let best = Number.MAX_VALUE;
        for (const c of centers) {
          const d = this.span(m.idx, m.val, m.ptr[i]!, m.ptr[i + 1]!, c.idx, c.val, 0, c.idx.length);
          if (best > d) best = d;
        }
        weights[i] = best * m.weight[i]!;
      }
      const pick = new DiscreteDistribution(weights, this.rng.nextInt()).next();
      centers.push(m.row(pick));
    }
    return centers;
  }

  /** `min_dist(point i, centers)`: the first nearest center. */
  private nearest(m: PointMatrix, i: number, centers: readonly RankVector[]): number {
    const a0 = m.ptr[i]!, a1 = m.ptr[i + 1]!;
    let index = 0;
    let best = Number.MAX_VALUE;
    for (let c = 0; c < centers.length; c++) {
      const v = centers[c]!;
      const d = this.span(m.idx, m.val, a0, a1, v.idx, v.val, 0, v.idx.length);
      if (best > d) { index = c; best = d; }
    }
    return index;
  }

  getKCenter(): FeatureVector[] {
    if (this.centers.length === 0) throw notPerformed();
    return this.centers;
  }

  getNearestCenterIndex(p: FeatureVector): number {
    if (this.centers.length === 0) throw notPerformed();
    return nearestFv(p, this.centers, this.dist).index;
  }

  getNearestCenter(p: FeatureVector): FeatureVector {
    return this.centers[this.getNearestCenterIndex(p)]!;
  }

  getClusters(points: readonly WeightedPoint[]): WeightedPoint[][] {
    if (this.centers.length === 0) throw notPerformed();
    const out: WeightedPoint[][] = Array.from({ length: this.k }, () => []);
    const m = new PointMatrix(points);
    const ranked = this.centersIn(m);
    if (ranked === undefined) {
      for (const p of points) out[nearestFv(fvOf(p), this.centers, this.dist).index]!.push(p);
    } else {
      for (let i = 0; i < m.n; i++) out[this.nearest(m, i, ranked)]!.push(points[i]!);
    }
    return out;
  }

  /** The centers in `m`'s rank space; undefined when a center has a key no point has. */
  private centersIn(m: PointMatrix): RankVector[] | undefined {
    const rank = new Map<string, number>();
    m.keys.forEach((k, i) => rank.set(k, i));
    const out: RankVector[] = [];
    for (const c of this.centers) {
      const idx = new Int32Array(c.keys.length);
      for (let j = 0; j < c.keys.length; j++) {
        const r = rank.get(c.keys[j]!);
        if (r === undefined) return undefined;
        idx[j] = r;
      }
      out.push({ idx, val: Float64Array.from(c.values) });
    }
    return out;
  }
}
