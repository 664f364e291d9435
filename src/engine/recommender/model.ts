/**
 * One recommender method's model without the converter (1.1.1's recommender_base: the stored
 * rows `orig`, the method's index, the optional row unlearner). The recommender engine
 * (service.ts) wraps it with the converter and the weight manager; anomaly's `lof` runs over it
 * directly (1.1.1's lof holds a recommender_base). Model-file form `[unlearner?, orig, index]`.
 */
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { ConfigError } from '../../errors.js';
import { createUnlearner, type Unlearner } from '../common/unlearner.js';
import type { FeatureVector } from '../datum.js';
import type { EngineOptions } from '../engine.js';
import type { RowUnlearner } from '../inverted_index/diff.js';
import type { LinearPart } from '../mixable.js';
import type { RecommenderDriver, ScoredRow } from './driver.js';
import { RECOMMENDER_METHODS } from './methods.js';
import { OrigStorage } from './orig.js';

/** Methods whose neighbor_row distance is −score (the others' is 1 − score), 1.1.1's neighbor_row. */
const NEGATED_SCORE = new Set(['inverted_index_euclid', 'euclid_lsh']);

export class RecommenderModel {
  readonly orig = new OrigStorage();
  readonly driver: RecommenderDriver;

  constructor(
    readonly method: string,
    make: (orig: OrigStorage, unlearner: () => RowUnlearner | undefined) => RecommenderDriver,
    readonly unlearner?: Unlearner,
  ) {
    this.driver = make(this.orig, () => this.rowUnlearner());
    if (unlearner) unlearner.onUnlearn = (id) => this.removeRow(id);
  }

  private rowUnlearner(): RowUnlearner | undefined {
    const u = this.unlearner;
    if (!u) return undefined;
    return { canTouch: (id) => u.canTouch(id), touch: (id) => u.touch(id), remove: (id) => u.remove(id), has: (id) => u.existsInMemory(id) };
  }

  /** update_row: merges `fv` into row `id` (created when new) and indexes it. */
  updateRow(id: string, fv: FeatureVector): void {
    const u = this.unlearner;
    if (u && !u.canTouch(id)) {
      throw new Error(`cannot add new row as number of sticky rows reached the maximum size of unlearner: ${id}`);
    }
    this.orig.setRow(id, fv);
    this.driver.updateRow(id, fv, () => this.orig.getRow(id));
    u?.touch(id);
  }

  /** Forgets row `id` from the index and orig (the unlearner's callback). */
  removeRow(id: string): void {
    this.driver.removeRow(id);
    this.orig.removeRow(id);
  }

  /** clear_row: removeRow, and the unlearner forgets it too. */
  clearRow(id: string): void {
    this.removeRow(id);
    this.unlearner?.remove(id);
  }

  clear(): void {
    this.orig.clear();
    this.driver.clear();
    this.unlearner?.clear();
  }

  /** The stored (merged) row, in feature-id order; empty when unknown. */
  decodeRow(id: string): FeatureVector {
    return this.orig.getRow(id);
  }

  /** similar_row(query): the `k` most similar rows, best first. */
  similarFv(fv: FeatureVector, k: number): ScoredRow[] {
    return this.driver.similar(fv, k);
  }

  /** similar_row(id): from the method's own index when it has one, else from the stored row. */
  similarId(id: string, k: number): ScoredRow[] {
    if (this.driver.similarFromId) return this.driver.similarFromId(id, k);
    return this.driver.similar(this.orig.getRow(id), k);
  }

  /** neighbor_row(query): the same rows in the same order, scored by distance (1.1.1's neighbor_row). */
  neighborFv(fv: FeatureVector, k: number): ScoredRow[] {
    if (this.driver.neighbor) return this.driver.neighbor(fv, k);
    return this.toDistances(this.driver.similar(fv, k));
  }

  /** neighbor_row(id), answered as similarId is. */
  neighborId(id: string, k: number): ScoredRow[] {
    if (this.driver.neighbor) return this.driver.neighbor(this.orig.getRow(id), k);
    return this.toDistances(this.similarId(id, k));
  }

  private toDistances(rows: readonly ScoredRow[]): ScoredRow[] {
    const negate = NEGATED_SCORE.has(this.method);
    return rows.map(([id, s]): ScoredRow => [id, negate ? -s : 1 - s]);
  }

  allRowIds(): string[] {
    return this.driver.allRowIds();
  }

  /** `[unlearner?, orig, index]`. */
  pack(w: MsgWriter): void {
    w.arrayHeader(this.unlearner ? 3 : 2);
    this.unlearner?.pack(w);
    this.orig.pack(w);
    this.driver.pack(w);
  }

  /** Checks a packed model; the returned function installs it. */
  unpack(v: MsgValue): () => void {
    const parts = expectArray(v, 'recommender model', this.unlearner ? 3 : 2);
    const at = this.unlearner ? 1 : 0;
    const installUnlearner = this.unlearner?.unpack(parts[0]!);
    const installOrig = this.orig.unpack(parts[at]!);
    const installIndex = this.driver.unpack(parts[at + 1]!);
    return () => {
      installUnlearner?.();
      installOrig();
      installIndex();
    };
  }

  /** The method's linear mixable (1.1.1's get_mixable()). */
  linearPart(): LinearPart<unknown> {
    return this.driver.linearPart();
  }
}

/**
 * Builds the model of recommender method `method` from its `parameter` block; config errors name
 * keys under `path` (`parameter` for the recommender engine, `parameter.parameter` under lof).
 */
export function createRecommenderModel(method: string, parameter: unknown, options: EngineOptions, path = 'parameter', methodPath = 'method'): RecommenderModel {
  const parse = RECOMMENDER_METHODS[method];
  if (parse === undefined) {
    throw new ConfigError(methodPath, `unknown method "${method}" (expected one of ${Object.keys(RECOMMENDER_METHODS).join(', ')})`);
  }
  const parsed = parse(parameter ?? undefined, path);
  const unlearner = parsed.unlearner && createUnlearner(parsed.unlearner);
  return new RecommenderModel(method, (orig, u) => parsed.make({ orig, options, unlearner: u }), unlearner);
}
