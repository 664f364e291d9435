/** The engines juba serves, by Jubatus type name. */
import { JubaError } from '../errors.js';
import type { ShippedEngineFactory } from './engine.js';
import { anomalyFactory } from './anomaly/service.js';
import { banditFactory } from './bandit/service.js';
import { burstFactory } from './burst/service.js';
import { classifierFactory } from './classifier/service.js';
import { clusteringFactory } from './clustering/service.js';
import { graphFactory } from './graph/service.js';
import { nearestNeighborFactory } from './nearest_neighbor/service.js';
import { recommenderFactory } from './recommender/service.js';
import { regressionFactory } from './regression/service.js';
import { statFactory } from './stat/service.js';
import { weightFactory } from './weight/service.js';

const FACTORIES = new Map<string, ShippedEngineFactory>(
  [
    anomalyFactory, banditFactory, burstFactory, classifierFactory, clusteringFactory, graphFactory, nearestNeighborFactory, recommenderFactory,
    regressionFactory, statFactory, weightFactory,
  ].map((f) => [f.type, f]),
);

export function engineTypes(): string[] {
  return [...FACTORIES.keys()].sort();
}

/** Accepts the engine type (`nearest_neighbor`) or Jubatus's server name (`jubanearest_neighbor`). */
export function engineFactory(name: string): ShippedEngineFactory {
  const type = name.startsWith('juba') ? name.slice(4) : name;
  const f = FACTORIES.get(type);
  if (!f) {
    throw new JubaError(`unknown engine: ${name}`, { code: 'usage', hint: `engines: ${engineTypes().join(', ')}` });
  }
  return f;
}
