/**
 * What the recommender engine (service.ts) needs from one method (engine spec §8.2): the
 * inverted-index methods (inverted.ts), the bit-signature methods lsh/minhash (bits.ts),
 * euclid_lsh (euclid-lsh.ts) and nearest_neighbor_recommender (nn.ts). The engine owns the
 * converter, the `orig` rows and the weight manager; a driver owns its index over the rows.
 */
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { FeatureVector } from '../datum.js';
import type { EngineOptions, PushMixable } from '../engine.js';
import type { LinearPart } from '../mixable.js';
import type { OrigStorage } from './orig.js';

export type ScoredRow = [string, number];

export interface RecommenderDriver {
  /**
   * After `orig` merged `diff` into row `id`: index it (`diff` is what was given, `row()` the
   * row now stored, in feature-id order).
   */
  updateRow(id: string, diff: FeatureVector, row: () => FeatureVector): void;
  /** Forgets the row's index entries (orig still holds the row while this runs). */
  removeRow(id: string): void;
  clear(): void;
  /** The `k` rows most similar to the query, best first. */
  similar(fv: FeatureVector, k: number): ScoredRow[];
  /**
   * neighbor_row: the rows `similar` answers, scored by distance. Only for methods whose
   * distances are not a function of their similarity scores (nearest_neighbor_recommender);
   * the others' are 1 − score or −score (model.ts).
   */
  neighbor?(fv: FeatureVector, k: number): ScoredRow[];
  /** The `k` rows most similar to row `id` (methods that rank from their own index). */
  similarFromId?(id: string, k: number): ScoredRow[];
  /** 1.1.1's get_all_row_ids of the method. */
  allRowIds(): string[];
  /** The index part of the model file (after orig). */
  pack(w: MsgWriter): void;
  /** Decodes and checks the index part; the returned function installs it. */
  unpack(v: MsgValue): () => void;
  /** The method's linear mixable (registered before the weight manager). */
  linearPart(): LinearPart<unknown>;
  pushMixable?(): PushMixable | undefined;
  status?(): Record<string, string>;
}

export interface DriverContext {
  orig: OrigStorage;
  options: EngineOptions;
}
