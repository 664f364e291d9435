/**
 * DBSCAN (core clustering/dbscan.cpp): neighbours are the points at distance strictly below
 * eps (the point itself included); clusters grow breadth-first in 1.1.1's order, and a cluster
 * smaller than min_core_point is dropped. No centers: the center calls answer 1.1.1's
 * "unsupported method" errors. An empty batch (clear, a load of an empty model) rebuilds the
 * method the way 1.1.1 does, with the euclidean distance whatever the config said.
 */
import type { FeatureVector } from '../datum.js';
import { notPerformed, unsupported, type ClusteringMethod } from './method.js';
import { PointMatrix, spanDistance, type DistanceName, type SpanDistance, type WeightedPoint } from './points.js';

const UNCLASSIFIED = 0;
const CLASSIFIED = 1;
const NOISE = -1;

export class Dbscan implements ClusteringMethod {
  private clusters: WeightedPoint[][] = [];
  private dist: SpanDistance;

  constructor(readonly eps: number, readonly minCorePoint: number, distance: DistanceName) {
    this.dist = spanDistance(distance);
  }

  batchUpdate(points: readonly WeightedPoint[]): void {
    if (points.length === 0) {
      // 1.1.1 re-creates the method with its two-argument constructor: euclidean
      this.clusters = [];
      this.dist = spanDistance('euclidean');
      return;
    }
    const m = new PointMatrix(points);
    const state = new Int8Array(m.n);
    const clusters: WeightedPoint[][] = [];
    const { ptr, idx, val } = m;
    const dist = this.dist;
    const eps = this.eps;
    const region = (at: number): number[] => {
      const a0 = ptr[at]!, a1 = ptr[at + 1]!;
      const out: number[] = [];
      for (let j = 0; j < m.n; j++) if (dist(idx, val, ptr[j]!, ptr[j + 1]!, idx, val, a0, a1) < eps) out.push(j);
      return out;
    };
    for (let i = 0; i < m.n; i++) {
      if (state[i] !== UNCLASSIFIED) continue;
      const cluster: WeightedPoint[] = [];
      let core = region(i);
      if (core.length < this.minCorePoint) {
        state[i] = NOISE;
      } else {
        state[i] = CLASSIFIED;
        cluster.push(points[i]!);
        do {
          const added: number[] = [];
          for (const c of core) {
            if (state[c] === CLASSIFIED) continue;
            state[c] = CLASSIFIED;
            cluster.push(points[c]!);
            const expand = region(c);
            if (expand.length < this.minCorePoint) continue;
            for (const e of expand) {
              if (state[e] === CLASSIFIED) continue;
              if (state[e] === UNCLASSIFIED) added.push(e);
              else {
                cluster.push(points[e]!);
                state[e] = CLASSIFIED;
              }
            }
          }
          core = added;
        } while (core.length > 0);
      }
      if (cluster.length >= this.minCorePoint) clusters.push(cluster);
    }
    this.clusters = clusters;
  }

  getKCenter(): FeatureVector[] {
    throw unsupported('get_k_center');
  }

  getNearestCenterIndex(_p: FeatureVector): number {
    throw unsupported('get_nearest_center_index');
  }

  getNearestCenter(_p: FeatureVector): FeatureVector {
    throw unsupported('get_nearest_center');
  }

  /** The clusters of the last batch, whatever points are stored now (as 1.1.1). */
  getClusters(_points: readonly WeightedPoint[]): WeightedPoint[][] {
    if (this.clusters.length === 0) throw notPerformed();
    return this.clusters;
  }
}
