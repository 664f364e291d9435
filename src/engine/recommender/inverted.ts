/**
 * The inverted-index recommenders (engine spec §8.2): `inverted_index` ranks by cosine,
 * `inverted_index_euclid` by −Euclidean distance (`ignore_orthogonal`: only rows sharing a
 * feature). Candidates come from the posting lists of the query's features (query.ts), so a
 * query never walks rows it shares nothing with (except the euclid method's cheap norm sweep,
 * which 1.1.1's answers need). update_row writes the given values only; the storage keeps the
 * squared norm of each row. Model part: inverted_index_storage; MIX: its diff.
 */
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { FeatureVector } from '../datum.js';
import { invertedIndexPart, type RowUnlearner } from '../inverted_index/diff.js';
import { cosineTopK, euclidTopK } from '../inverted_index/query.js';
import { InvertedIndexStorage } from '../inverted_index/storage.js';
import type { LinearPart } from '../mixable.js';
import type { OrigStorage } from './orig.js';
import type { RecommenderDriver, ScoredRow } from './driver.js';

export class InvertedRecommender implements RecommenderDriver {
  readonly storage = new InvertedIndexStorage();

  constructor(
    readonly metric: 'cosine' | 'euclid',
    readonly ignoreOrthogonal: boolean,
    private readonly orig: OrigStorage,
    private readonly unlearner: () => RowUnlearner | undefined,
  ) {}

  updateRow(id: string, diff: FeatureVector): void {
    for (let i = 0; i < diff.keys.length; i++) this.storage.set(diff.keys[i]!, id, diff.values[i]!);
  }

  removeRow(id: string): void {
    const row = this.orig.getRow(id);
    for (const key of row.keys) this.storage.remove(key, id);
    this.storage.markRowRemoved(id);
  }

  clear(): void {
    this.storage.clear();
  }

  similar(fv: FeatureVector, k: number): ScoredRow[] {
    if (k <= 0) return [];
    return this.metric === 'cosine' ? cosineTopK(this.storage, fv, k) : euclidTopK(this.storage, fv, k, this.ignoreOrthogonal);
  }

  allRowIds(): string[] {
    return this.storage.allRowKeys();
  }

  pack(w: MsgWriter): void {
    this.storage.pack(w);
  }

  unpack(v: MsgValue): () => void {
    return this.storage.unpack(v);
  }

  linearPart(): LinearPart<unknown> {
    return invertedIndexPart(() => this.storage, this.unlearner);
  }

  status(): Record<string, string> {
    return {};
  }
}
