/**
 * The inverted-index classifiers `cosine` and `euclidean` (engine spec §6.4; 1.1.1's
 * cosine_similarity_classifier / euclidean_distance_classifier). Each example is a row of the
 * inverted index with id `label_` + 8 random characters; classify takes the k best rows and
 * scores each known label Σ exp(−α·(1 − cos)) (cosine) or Σ exp(α·(−distance)) (euclidean).
 * An example with no features stores nothing (it only counts for its label).
 *
 * Config `parameter`: `nearest_neighbor_num` (≥ 1), `local_sensitivity` (α ≥ 0); no unlearner.
 * delete_label is unsupported (false). Model `[inverted_index_storage, labels]`; MIX: the index,
 * then the labels (linear only).
 */
import { ConfigError } from '../../errors.js';
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asObject, checkKeys } from '../config-cast.js';
import { RowIdMaker } from '../common/row-id.js';
import type { FeatureVector } from '../datum.js';
import { sortAndMerge } from '../fv/sort-merge.js';
import { invertedIndexPart } from '../inverted_index/diff.js';
import { cosineTopK, euclidTopK, type ScoredRow } from '../inverted_index/query.js';
import { InvertedIndexStorage } from '../inverted_index/storage.js';
import type { LinearPart } from '../mixable.js';
import type { ClassifierDriver, ClassifierDriverMaker } from './driver.js';
import type { Labels } from './labels.js';
import { labelScores, readFloat32, readInt32 } from './nn.js';

export type InvertedMetric = 'cosine' | 'euclidean';

export class InvertedIndexClassifier implements ClassifierDriver {
  readonly mixesLabels = true;
  readonly storage = new InvertedIndexStorage();

  constructor(
    readonly metric: InvertedMetric,
    readonly k: number,
    readonly alpha: number,
    private readonly labels: Labels,
    readonly ids: RowIdMaker = new RowIdMaker(),
  ) {}

  train(label: string, fv: FeatureVector): void {
    const id = this.ids.next(`${label}_`);
    const merged = sortAndMerge(fv);
    for (let i = 0; i < merged.keys.length; i++) this.storage.set(merged.keys[i]!, id, merged.values[i]!);
  }

  /** The k best rows: cosine similarity, or −Euclidean distance; best first. */
  nearest(fv: FeatureVector): ScoredRow[] {
    return this.metric === 'cosine' ? cosineTopK(this.storage, fv, this.k) : euclidTopK(this.storage, fv, this.k);
  }

  classify(fv: FeatureVector): Array<[string, number]> {
    const a = this.alpha;
    const term = this.metric === 'cosine' ? (cos: number) => Math.exp(-a * (1 - cos)) : (negDist: number) => Math.exp(a * negDist);
    return labelScores(this.labels, this.nearest(fv), term);
  }

  labelAdded(): void {}

  /** Unsupported in 1.1.1: the rows stay and so does the label. */
  deleteLabel(): boolean {
    return false;
  }

  clear(): void {
    this.storage.clear();
  }

  status(): Record<string, string> {
    return { num_rows: String(this.storage.rowCount) };
  }

  pack(w: MsgWriter): void {
    this.storage.pack(w);
  }

  unpack(v: MsgValue): () => void {
    return this.storage.unpack(v);
  }

  linearParts(): LinearPart<unknown>[] {
    return [invertedIndexPart(() => this.storage)];
  }
}

/** `nearest_neighbor_num` and `local_sensitivity` of a cosine/euclidean classifier config. */
function makeInverted(metric: InvertedMetric): ClassifierDriverMaker {
  return (parameter, ctx) => {
    if (parameter === undefined || parameter === null) throw new ConfigError('parameter', 'parameter block is not specified in config');
    const p = asObject(parameter, 'parameter');
    checkKeys(p, ['nearest_neighbor_num', 'local_sensitivity'], 'parameter');
    const k = readInt32(p, 'nearest_neighbor_num', 'parameter');
    const alpha = readFloat32(p, 'local_sensitivity', 'parameter');
    if (!(alpha >= 0)) throw new ConfigError('parameter.local_sensitivity', 'local_sensitivity should >= 0');
    if (!(k >= 1)) throw new ConfigError('parameter.nearest_neighbor_num', 'nearest neighbor num >= 1');
    return new InvertedIndexClassifier(metric, k, alpha, ctx.labels);
  };
}

export const makeCosineClassifier = makeInverted('cosine');
export const makeEuclideanClassifier = makeInverted('euclidean');
