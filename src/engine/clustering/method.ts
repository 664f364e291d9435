/** What a clustering method offers the engine (core clustering/clustering_method.hpp). */
import { JubaError } from '../../errors.js';
import type { FeatureVector } from '../datum.js';
import type { WeightedPoint } from './points.js';

export interface ClusteringMethod {
  /** Re-clusters from scratch over `points` (empty: back to the unclustered state). */
  batchUpdate(points: readonly WeightedPoint[]): void;
  getKCenter(): FeatureVector[];
  getNearestCenter(p: FeatureVector): FeatureVector;
  /** -1 never happens in 1.1.1's methods, but the driver checks for it. */
  getNearestCenterIndex(p: FeatureVector): number;
  getClusters(points: readonly WeightedPoint[]): WeightedPoint[][];
}

/** 1.1.1's `not_performed`: no clustering has run yet (or the last one had nothing to cluster). */
export function notPerformed(): JubaError {
  return new JubaError('clustering is not performed yet', { hint: 'push at least bucket_size points first' });
}

/** 1.1.1's `unsupported_method(name)`. */
export function unsupported(name: string): JubaError {
  return new JubaError(`unsupported method (${name})`);
}
