/**
 * The nearest_neighbor table as the NN classifier and NN regression use it (engine spec §6.4, §7,
 * §16): rows written with owner "" (1.1.1 builds these engines without a server identity), an
 * optional row unlearner, deletion, and the table's linear and push mixables. With an unlearner,
 * every row arriving through MIX is touched first (which may forget another row) and then
 * upserted, one row at a time, as 1.1.1's column table does; without one, rows take the
 * validated fast path of row-diff.ts.
 */
import type { MsgValue } from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import type { Unlearner } from '../common/unlearner.js';
import type { FeatureVector } from '../datum.js';
import type { LinearPart } from '../mixable.js';
import type { PushPart } from '../push-parts.js';
import type { NnParams } from './config.js';
import { NearestNeighborModel, type IdWithScore } from './model.js';
import { applyRun, decodeRun, type RowRun } from './row-diff.js';
import { tablePart, tablePushPart } from './service.js';
import { packTable, putDiff } from './table-codec.js';

export class NnRows {
  readonly model: NearestNeighborModel;
  /** The row unlearner, when configured; its owner creates it (the forget callback is the owner's). */
  unlearner: Unlearner | undefined;

  /** `owner` stamps local writes: "" for the NN classifier/regression, the server's ip_port for light_lof. */
  constructor(
    readonly params: NnParams,
    owner = '',
  ) {
    this.model = new NearestNeighborModel(params, owner);
  }

  get size(): number {
    return this.model.size;
  }

  /** Row ids in row order. */
  ids(): string[] {
    return this.model.allRows();
  }

  setRow(id: string, fv: FeatureVector): void {
    this.model.setRow(id, fv);
  }

  deleteRow(id: string): boolean {
    return this.model.table.deleteRow(id);
  }

  /** The k nearest rows by distance, nearest first (ties by lower row index). */
  neighbors(fv: FeatureVector, k: number): IdWithScore[] {
    if (k <= 0 || this.model.size === 0) return [];
    return this.model.neighborRowFromFv(fv, k);
  }

  clear(): void {
    this.model.clear();
  }

  pack(w: MsgWriter): void {
    packTable(w, this.model.table);
  }

  unpack(v: MsgValue): () => void {
    return this.model.unpackTable(v);
  }

  /** Applies MIX rows: the fast path, or touch-then-upsert per row when an unlearner is set. */
  private applyRuns(runs: readonly RowRun[]): void {
    const t = this.model.table;
    for (const run of runs) {
      if (!this.unlearner) {
        applyRun(t, run);
        continue;
      }
      for (const row of decodeRun(run, this.params.hashNum, this.model.hasNorm)) {
        this.unlearner.touch(row.id);
        putDiff(this.model.table, [row]);
      }
    }
  }

  /** The table's linear mixable; `updated` runs after each put_diff (label recount). */
  linearPart(updated?: () => void): LinearPart<RowRun[]> {
    const base = tablePart(this.model, this.params.hashNum);
    return {
      ...base,
      putDiff: (runs) => {
        this.applyRuns(runs);
        updated?.();
        return true;
      },
    };
  }

  /** The table's push mixable: version clock out, rows newer than the peer's clock back. */
  pushPart(): PushPart {
    return tablePushPart(this.model, this.params.hashNum, (run) => this.applyRuns([run]));
  }
}
