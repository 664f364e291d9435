/**
 * The typed view of each shipped engine's IDL for the library entry points: the generated
 * service interfaces (engine/<type>/service-types.ts) with camelCase names and every result
 * a Promise, as `juba/client` and `juba/engines` expose them.
 */
import type { AnomalyService } from '../engine/anomaly/service-types.js';
import type { BanditService } from '../engine/bandit/service-types.js';
import type { BurstService } from '../engine/burst/service-types.js';
import type { ClassifierService } from '../engine/classifier/service-types.js';
import type { ClusteringService } from '../engine/clustering/service-types.js';
import type { GraphService } from '../engine/graph/service-types.js';
import type { NearestNeighborService } from '../engine/nearest_neighbor/service-types.js';
import type { RecommenderService } from '../engine/recommender/service-types.js';
import type { RegressionService } from '../engine/regression/service-types.js';
import type { StatService } from '../engine/stat/service-types.js';
import type { WeightService } from '../engine/weight/service-types.js';

/** Each shipped engine type and the interface its IDL generates. */
export interface EngineServices {
  anomaly: AnomalyService;
  bandit: BanditService;
  burst: BurstService;
  classifier: ClassifierService;
  clustering: ClusteringService;
  graph: GraphService;
  nearest_neighbor: NearestNeighborService;
  recommender: RecommenderService;
  regression: RegressionService;
  stat: StatService;
  weight: WeightService;
}

export type EngineType = keyof EngineServices;

/** `similar_row_from_id` → `similarRowFromId`. */
export type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** A service interface's methods, camelCase, each answering with a Promise. */
export type AsyncMethods<S> = {
  [K in keyof S & string as CamelCase<K>]: S[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};
