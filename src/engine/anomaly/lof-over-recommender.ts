/**
 * lof's recommender (lof-recommender.ts) for every recommender method: the recommender engine's
 * model (recommender/model.ts: stored rows, the method's index, its own unlearner if its
 * parameter names one) answering the LofRecommender calls as 1.1.1's recommender_base does —
 * neighbor_row distances (1 − score, or −score for the Euclidean methods, or the NN engine's
 * own), decode_row from the stored rows, update_row merging, the model part
 * `[unlearner?, orig, index]` and the index's linear mixable.
 */
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { FeatureVector } from '../datum.js';
import type { LinearPart } from '../mixable.js';
import { createRecommenderModel, type RecommenderModel } from '../recommender/model.js';
import type { LofRecommender, LofRecommenderMaker, Neighbor } from './lof-recommender.js';

export class RecommenderForLof implements LofRecommender {
  constructor(readonly model: RecommenderModel) {}

  neighborRowFromId(id: string, size: number): Neighbor[] {
    return this.model.neighborId(id, size);
  }

  neighborRowFromFv(fv: FeatureVector, size: number): Neighbor[] {
    return this.model.neighborFv(fv, size);
  }

  decodeRow(id: string): FeatureVector {
    return this.model.decodeRow(id);
  }

  updateRow(id: string, fv: FeatureVector): void {
    this.model.updateRow(id, fv);
  }

  clearRow(id: string): void {
    this.model.clearRow(id);
  }

  clear(): void {
    this.model.clear();
  }

  allRows(): string[] {
    return this.model.allRowIds();
  }

  pack(w: MsgWriter): void {
    this.model.pack(w);
  }

  unpack(v: MsgValue): () => void {
    return this.model.unpack(v);
  }

  linearPart(): LinearPart<unknown> {
    return this.model.linearPart();
  }
}

/** A maker for recommender method `method` (keys of its parameter named under `path`). */
export function lofRecommenderOf(method: string): LofRecommenderMaker {
  return (parameter, path, owner) => new RecommenderForLof(createRecommenderModel(method, parameter, { owner }, path, 'parameter.method'));
}
