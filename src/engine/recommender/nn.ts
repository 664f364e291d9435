/**
 * `nearest_neighbor_recommender` (engine spec §8.2): the merged row (orig) is written into a
 * nearest_neighbor column table with this server's owner, and queries answer as the NN engine's
 * similar_row (§4.5). Model part: the NN table; MIX: the table's linear and push mixables.
 */
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { FeatureVector } from '../datum.js';
import type { PushMixable } from '../engine.js';
import type { LinearPart } from '../mixable.js';
import { composePush } from '../push-parts.js';
import type { NnParams } from '../nearest_neighbor/config.js';
import { NearestNeighborModel } from '../nearest_neighbor/model.js';
import { applyRun, decodeRun, type RowRun } from '../nearest_neighbor/row-diff.js';
import { tablePart, tablePushPart } from '../nearest_neighbor/service.js';
import { packTable, putDiff } from '../nearest_neighbor/table-codec.js';
import type { RowUnlearner } from '../inverted_index/diff.js';
import type { RecommenderDriver, ScoredRow } from './driver.js';

export class NnRecommender implements RecommenderDriver {
  readonly model: NearestNeighborModel;

  constructor(
    readonly params: NnParams,
    owner: string,
    private readonly unlearner: () => RowUnlearner | undefined = () => undefined,
  ) {
    this.model = new NearestNeighborModel(params, owner);
  }

  /** MIX rows: with an unlearner each row is touched first and dropped when it cannot be. */
  private applyRuns(runs: readonly RowRun[]): void {
    const u = this.unlearner();
    for (const run of runs) {
      if (!u) {
        applyRun(this.model.table, run);
        continue;
      }
      for (const row of decodeRun(run, this.params.hashNum, this.model.hasNorm)) {
        if (!u.canTouch(row.id)) continue;
        u.touch(row.id);
        putDiff(this.model.table, [row]);
      }
    }
  }

  updateRow(id: string, _diff: FeatureVector, row: () => FeatureVector): void {
    this.model.setRow(id, row());
  }

  removeRow(id: string): void {
    this.model.table.deleteRow(id);
  }

  clear(): void {
    this.model.clear();
  }

  similar(fv: FeatureVector, k: number): ScoredRow[] {
    if (k <= 0 || this.model.size === 0) return [];
    return this.model.similarRowFromFv(fv, k);
  }

  /** The NN engine's neighbor_row (its distances, nearest first). */
  neighbor(fv: FeatureVector, k: number): ScoredRow[] {
    if (k <= 0 || this.model.size === 0) return [];
    return this.model.neighborRowFromFv(fv, k);
  }

  allRowIds(): string[] {
    return this.model.allRows();
  }

  pack(w: MsgWriter): void {
    packTable(w, this.model.table);
  }

  unpack(v: MsgValue): () => void {
    return this.model.unpackTable(v);
  }

  linearPart(): LinearPart<RowRun[]> {
    return {
      ...tablePart(this.model, this.params.hashNum),
      putDiff: (runs) => {
        this.applyRuns(runs);
        return true;
      },
    };
  }

  pushMixable(): PushMixable {
    return composePush('recommender', [tablePushPart(this.model, this.params.hashNum, (run) => this.applyRuns([run]))]);
  }

  status(): Record<string, string> {
    return {};
  }
}
