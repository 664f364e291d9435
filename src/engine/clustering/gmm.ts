/**
 * Gaussian mixture by EM (core clustering/gmm.cpp, gmm_clustering_method.cpp,
 * eigen_feature_mapper.cpp). Dimensions are numbered in the order features first appear in the
 * batch; initial means are points drawn with MT19937 `next_int(0, n−1)` (so never the last
 * point); covariances start as I. Each step: responsibilities from equal-weight components
 * (log-density −½(ln|Σ| + dᵀΣ⁻¹d), normalised by log-sum-exp), weighted means and covariances,
 * Σ += 0.1·I; stop when no mean moves 1e-9 or more. A batch of nothing resets the method,
 * reseeding its generator (1.1.1 re-creates it), so a clear restarts the same draws.
 *
 * 1.1.1 keeps Eigen sparse matrices and a sparse LDLᵀ (AMD-ordered); here covariances are dense
 * d×d and factorised LDLᵀ in natural order, which agrees to rounding (≈1e-15), far inside the
 * replay tolerance, but costs d² memory: fine for numeric features, heavy for thousands of
 * text features.
 */
import { Mt19937 } from '../common/mt19937.js';
import type { FeatureVector } from '../datum.js';
import { notPerformed, type ClusteringMethod } from './method.js';
import type { WeightedPoint } from './points.js';

const REGULARISATION = 0.1;
const MAX_ITERATIONS = 1e5;

interface Ldlt {
  l: Float64Array;
  dg: Float64Array;
  det: number;
}

function ldlt(a: Float64Array, d: number): Ldlt {
  const l = new Float64Array(d * d);
  const dg = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j]!;
    for (let k = 0; k < j; k++) s -= l[j * d + k]! * l[j * d + k]! * dg[k]!;
    dg[j] = s;
    l[j * d + j] = 1;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j]!;
      for (let k = 0; k < j; k++) t -= l[i * d + k]! * l[j * d + k]! * dg[k]!;
      l[i * d + j] = t / s;
    }
  }
  let det = 1;
  for (let j = 0; j < d; j++) det *= dg[j]!;
  return { l, dg, det };
}

/** xᵀ A⁻¹ x through the factorisation. */
function quadratic(f: Ldlt, x: Float64Array, d: number, tmp: Float64Array): number {
  for (let i = 0; i < d; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= f.l[i * d + k]! * tmp[k]!;
    tmp[i] = s;
  }
  let q = 0;
  for (let i = 0; i < d; i++) q += (tmp[i]! * tmp[i]!) / f.dg[i]!;
  return q;
}

export class Gmm implements ClusteringMethod {
  private rng: Mt19937;
  private dims = new Map<string, number>();
  private names: string[] = [];
  private d = 0;
  private means: Float64Array[] = [];
  private solvers: Ldlt[] = [];
  private centers: FeatureVector[] = [];
  /** scratch for clusterProbs */
  private dif = new Float64Array(0);

  constructor(readonly k: number, readonly seed: number) {
    this.rng = new Mt19937(seed >>> 0);
  }

  private reset(): void {
    this.rng = new Mt19937(this.seed >>> 0);
    this.dims = new Map();
    this.names = [];
    this.d = 0;
    this.means = [];
    this.solvers = [];
    this.centers = [];
  }

  batchUpdate(points: readonly WeightedPoint[]): void {
    if (points.length === 0) {
      this.reset();
      return;
    }
    this.dims = new Map();
    this.names = [];
    // 1.1.1's mapper grows its Eigen sparse vector with resize() when a feature gets a new
    // dimension, and resize() empties it: a point that introduces a new feature keeps only the
    // features from that one on (the batch's first point keeps just its last feature).
    const rows: Array<Array<[number, number]>> = points.map((p) => {
      let row: Array<[number, number]> = [];
      p.keys.forEach((key, j) => {
        let at = this.dims.get(key);
        if (at === undefined) {
          at = this.names.length;
          this.dims.set(key, at);
          this.names.push(key);
          row = [];
        }
        row.push([at, p.values[j]!]);
      });
      return row;
    });
    const d = (this.d = this.names.length);
    const n = points.length;
    const data = new Float64Array(n * d);
    const w = new Float64Array(n);
    points.forEach((p, i) => {
      w[i] = p.weight;
      for (const [at, v] of rows[i]!) data[i * d + at] = v;
    });
    this.em(data, w, n, d);
    this.centers = this.means.map((m) => ({ keys: this.names.slice(), values: Array.from(m) }));
  }

  private em(data: Float64Array, w: Float64Array, n: number, d: number): void {
    const k = this.k;
    const eye = new Float64Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 1;
    let means: Float64Array[] = [];
    let solvers: Ldlt[] = [];
    for (let c = 0; c < k; c++) {
      const pick = Math.floor(this.rng.nextDouble() * (n - 1)) >>> 0;
      means.push(data.slice(pick * d, pick * d + d));
      solvers.push(ldlt(eye, d));
    }
    const probs = new Float64Array(k);
    const x = new Float64Array(d);
    const tmp = new Float64Array(d);
    for (let iter = 1; ; iter++) {
      const sums = Array.from({ length: k }, () => new Float64Array(d));
      const covs = Array.from({ length: k }, () => new Float64Array(d * d));
      const weights = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        x.set(data.subarray(i * d, i * d + d));
        this.clusterProbs(x, means, solvers, probs, tmp);
        for (let c = 0; c < k; c++) {
          const cp = w[i]! * probs[c]!;
          const s = sums[c]!;
          const cov = covs[c]!;
          for (let a = 0; a < d; a++) {
            s[a] = s[a]! + cp * x[a]!;
            for (let b = 0; b < d; b++) cov[a * d + b] = cov[a * d + b]! + x[a]! * x[b]! * cp;
          }
          weights[c] = weights[c]! + cp;
        }
      }
      const nextSolvers: Ldlt[] = [];
      let moved = 0;
      for (let c = 0; c < k; c++) {
        const m = sums[c]!;
        const cov = covs[c]!;
        for (let a = 0; a < d; a++) m[a] = m[a]! / weights[c]!;
        for (let a = 0; a < d * d; a++) cov[a] = cov[a]! / weights[c]!;
        for (let a = 0; a < d; a++) {
          for (let b = 0; b < d; b++) cov[a * d + b] = cov[a * d + b]! - m[a]! * m[b]!;
          cov[a * d + a] = cov[a * d + a]! + REGULARISATION;
        }
        nextSolvers.push(ldlt(cov, d));
        let dist = 0;
        for (let a = 0; a < d; a++) dist += (m[a]! - means[c]![a]!) ** 2;
        moved = Math.max(moved, Math.sqrt(dist));
      }
      means = sums;
      solvers = nextSolvers;
      if (moved < 1e-9 || iter > MAX_ITERATIONS) break;
    }
    this.means = means;
    this.solvers = solvers;
  }

  private clusterProbs(x: Float64Array, means: Float64Array[], solvers: Ldlt[], out: Float64Array, tmp: Float64Array): void {
    const d = x.length;
    if (this.dif.length !== d) this.dif = new Float64Array(d);
    const dif = this.dif;
    let den = Number.MIN_VALUE;
    let first = true;
    for (let c = 0; c < means.length; c++) {
      const m = means[c]!;
      for (let a = 0; a < d; a++) dif[a] = x[a]! - m[a]!;
      const f = solvers[c]!;
      const lp = -0.5 * (Math.log(Math.abs(f.det)) + quadratic(f, dif, d, tmp));
      out[c] = lp;
      den = first ? lp : Math.max(den, lp) + Math.log(1 + Math.exp(Math.min(den, lp) - Math.max(den, lp)));
      first = false;
    }
    for (let c = 0; c < means.length; c++) out[c] = Math.exp(out[c]! - den);
  }

  private dense(p: FeatureVector): Float64Array {
    const x = new Float64Array(this.d);
    p.keys.forEach((key, j) => {
      const at = this.dims.get(key);
      if (at !== undefined) x[at] = p.values[j]!;
    });
    return x;
  }

  getKCenter(): FeatureVector[] {
    if (this.centers.length === 0) throw notPerformed();
    return this.centers;
  }

  getNearestCenterIndex(p: FeatureVector): number {
    if (this.means.length === 0) throw notPerformed();
    const probs = new Float64Array(this.k);
    this.clusterProbs(this.dense(p), this.means, this.solvers, probs, new Float64Array(this.d));
    let best = 0;
    let index = 0;
    for (let c = 0; c < this.k; c++) {
      if (probs[c]! > best) { best = probs[c]!; index = c; }
    }
    return index;
  }

  getNearestCenter(p: FeatureVector): FeatureVector {
    return this.centers[this.getNearestCenterIndex(p)]!;
  }

  getClusters(points: readonly WeightedPoint[]): WeightedPoint[][] {
    if (this.centers.length === 0) throw notPerformed();
    const out: WeightedPoint[][] = Array.from({ length: this.k }, () => []);
    for (const p of points) out[this.getNearestCenterIndex({ keys: p.keys, values: p.values })]!.push(p);
    return out;
  }
}
