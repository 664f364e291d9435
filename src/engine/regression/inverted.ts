/**
 * The inverted-index regressions `cosine` and `euclidean` (engine spec §7; 1.1.1's
 * cosine_similarity_regression / euclidean_distance_regression). Each example is a row of the
 * inverted index (8 random characters) with its target in a values table; estimate takes the k
 * best rows and applies nn.ts's rule with distance 1 − cos or the Euclidean distance, an exact
 * match being a distance ≤ DBL_EPSILON. An example without features gets a value but no row.
 *
 * Config `parameter`: `nearest_neighbor_num` (≥ 1; required: 1.1.1's struct default of 10 is never
 * reached because its config cast demands the key), `weight` (default uniform).
 * Model `[inverted_index_storage, values]`. MIX: the index (linear only) then the values
 * (linear and push — so under a push mixer only the values travel, as in 1.1.1).
 */
import { ConfigError } from '../../errors.js';
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asObject, checkKeys } from '../config-cast.js';
import { RowIdMaker } from '../common/row-id.js';
import type { FeatureVector } from '../datum.js';
import type { PushMixable } from '../engine.js';
import { invertedIndexPart } from '../inverted_index/diff.js';
import { cosineTopK, euclidTopK } from '../inverted_index/query.js';
import { InvertedIndexStorage } from '../inverted_index/storage.js';
import type { LinearPart } from '../mixable.js';
import { composePush } from '../push-parts.js';
import type { RegressionDriver, RegressionDriverMaker } from './driver.js';
import {
  DBL_EPSILON, estimateFrom, readNeighborParams, unpackValues, valuesLinearPart, valuesPushPart, valuesTable, type Weighting,
} from './nn.js';

export type InvertedMetric = 'cosine' | 'euclidean';

export class InvertedIndexRegression implements RegressionDriver {
  readonly storage = new InvertedIndexStorage();
  readonly values = valuesTable();

  constructor(
    readonly metric: InvertedMetric,
    readonly k: number,
    readonly weight: Weighting,
    readonly ids: RowIdMaker = new RowIdMaker(),
  ) {}

  train(target: number, fv: FeatureVector): void {
    const id = this.ids.next();
    for (let i = 0; i < fv.keys.length; i++) this.storage.set(fv.keys[i]!, id, fv.values[i]!);
    this.values.add(id, '', [target]);
  }

  /** Best first, as (id, distance): 1 − cos, or the Euclidean distance (−score, so the self match is +0). */
  nearest(fv: FeatureVector): Array<[string, number]> {
    if (this.metric === 'cosine') return cosineTopK(this.storage, fv, this.k).map(([id, cos]) => [id, 1.0 - cos]);
    return euclidTopK(this.storage, fv, this.k).map(([id, negDist]) => [id, -1.0 * negDist]);
  }

  estimate(fv: FeatureVector): number {
    return estimateFrom(this.nearest(fv), this.values, this.weight, (d) => d <= DBL_EPSILON);
  }

  clear(): void {
    this.storage.clear();
    this.values.clear();
  }

  status(): Record<string, string> {
    return { num_rows: String(this.values.size) };
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(2);
    this.storage.pack(w);
    this.values.pack(w);
  }

  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'inverted index regression model', 2);
    const installStorage = this.storage.unpack(a[0]!);
    const installValues = unpackValues(this.values, a[1]!);
    return () => {
      installStorage();
      installValues();
    };
  }

  linearParts(): LinearPart<unknown>[] {
    return [invertedIndexPart(() => this.storage), valuesLinearPart(this.values)];
  }

  pushMixable(): PushMixable {
    return composePush('regression', [valuesPushPart(this.values)]);
  }
}

function makeInverted(metric: InvertedMetric): RegressionDriverMaker {
  return (parameter) => {
    if (parameter === undefined || parameter === null) throw new ConfigError('parameter', 'parameter block is not specified in config');
    const p = asObject(parameter, 'parameter');
    checkKeys(p, ['nearest_neighbor_num', 'weight'], 'parameter');
    const { k, weight } = readNeighborParams(p, 'parameter', 'nearest neighbor num >= 1');
    return new InvertedIndexRegression(metric, k, weight);
  };
}

export const makeCosineRegression = makeInverted('cosine');
export const makeEuclideanRegression = makeInverted('euclidean');
