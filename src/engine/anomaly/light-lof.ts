/**
 * light_lof (engine spec §9; 1.1.1's anomaly/light_lof): LOF over a nearest_neighbor table
 * (lsh, minhash, euclid_lsh). Points live in the NN table; each point's k-distance and LRD in a
 * second versioned table (common/double-table.ts, two columns). Distances are the NN method's neighbor_row scores.
 *
 * Writing a point re-scores it and its approximate reverse neighbours (its `reverse_k` nearest,
 * before and after the write): first every k-distance, then every LRD. light_lof cannot merge
 * (`update`) or delete (`clear_row`) a point: 1.1.1 answers "unsupported method (…)".
 *
 * Model `[unlearner?, nn_table, score_table]`; MIX parts `[nn_table, score_table]` (both
 * linear and push), the engine adds the weight manager.
 */
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { createUnlearner, type Unlearner, type UnlearnerConfig } from '../common/unlearner.js';
import type { FeatureVector } from '../datum.js';
import type { LinearPart } from '../mixable.js';
import type { NnParams } from '../nearest_neighbor/config.js';
import { NnRows } from '../nearest_neighbor/nn-rows.js';
import type { PushPart } from '../push-parts.js';
import type { LofParams } from './config.js';
import { UnsupportedMethodError, dropSelf, lofScore, type AnomalyDriver, type Row } from './driver.js';
import { HashOrderSet } from '../common/hash-order.js';
import { DoubleTable, doubleTablePart, doubleTablePushPart, type DoubleRow } from '../common/double-table.js';

type Neighbors = Array<[string, number]>;

/** The score table's columns: 1.1.1's light_lof keeps k-distance and LRD per row. */
const KDIST = 0;
const LRD = 1;
const scoreTable = (): DoubleTable => new DoubleTable(2, 'score table');

export class LightLof implements AnomalyDriver {
  readonly type = 'light_lof';
  readonly updatable = false;
  readonly rows: NnRows;
  scores = scoreTable();
  private ignored = 0;

  constructor(
    readonly lof: LofParams,
    nn: NnParams,
    /** This server's ip_port: the owner of rows written here (1.1.1 writes it even standalone). */
    readonly owner: string,
    unlearner?: UnlearnerConfig,
  ) {
    this.rows = new NnRows(nn, owner);
    if (unlearner) this.rows.unlearner = createUnlearner(unlearner, (id) => this.unlearn(id));
  }

  private get unlearner(): Unlearner | undefined {
    return this.rows.unlearner;
  }

  private nnOfId(id: string, k: number): Neighbors {
    return this.rows.model.neighborRowFromId(id, k);
  }

  private nnOfFv(fv: FeatureVector, k: number): Neighbors {
    return this.rows.neighbors(fv, k);
  }

  scoreOfFv(fv: FeatureVector): number {
    const lrds: number[] = [];
    const lrd = this.lrdOf(this.nnOfFv(fv, this.lof.k), lrds);
    return lofScore(lrd, lrds);
  }

  scoreOfId(id: string): number {
    const k = this.lof.k;
    const near = dropSelf(this.nnOfId(id, k + 1), id);
    if (near.length > k) near.length = k;
    const lrds: number[] = [];
    const lrd = this.lrdOf(near, lrds);
    return lofScore(lrd, lrds);
  }

  scoreOfIdWith(): number {
    throw new UnsupportedMethodError('calc_anomaly_score');
  }

  /** The query's LRD from its neighbours (+∞ when none or all at distance 0); fills their LRDs. */
  private lrdOf(near: Neighbors, lrds: number[]): number {
    if (near.length === 0) return Infinity;
    let sum = 0;
    for (const [id, d] of near) {
      const row = this.scores.rowOf(id);
      if (row === undefined) throw new Error(`row "${id}" not found in light_lof table`);
      lrds.push(this.scores.cols[LRD]![row]!);
      sum += Math.max(d, this.scores.cols[KDIST]![row]!);
    }
    return sum === 0 ? Infinity : near.length / sum;
  }

  clear(): void {
    this.rows.clear();
    this.scores.clear();
    this.ignored = 0;
    this.unlearner?.clear();
  }

  clearRow(): void {
    throw new UnsupportedMethodError('clear_row');
  }

  updateRow(): boolean {
    throw new UnsupportedMethodError('update_row');
  }

  updateBulk(): string[] {
    throw new UnsupportedMethodError('update_bulk');
  }

  /** ignore_kth_same_point: k−1 stored points already sit exactly where `fv` is. */
  private isKthSamePoint(fv: FeatureVector): boolean {
    if (!this.lof.ignoreKthSamePoint) return false;
    const want = this.lof.k - 1;
    const near = this.nnOfFv(fv, want);
    return near.length === want && near[near.length - 1]![1] === 0;
  }

  private touch(id: string): void {
    if (this.unlearner && !this.unlearner.touch(id)) {
      throw new Error(`cannot add new ID as number of sticky IDs reached the maximum size of unlearner: ${id}`);
    }
  }

  /** The `reverse_k` nearest rows of stored row `id` (itself included), into `into`. */
  private collectNeighbors(id: string, into: HashOrderSet): void {
    for (const [n] of this.nnOfId(id, this.lof.reverseK)) into.add(n);
  }

  setRow(id: string, fv: FeatureVector): boolean {
    if (this.isKthSamePoint(fv)) {
      this.ignored++;
      return false;
    }
    const update = new HashOrderSet();
    if (this.scores.has(id)) this.collectNeighbors(id, update);
    this.touch(id);
    this.rows.setRow(id, fv);
    this.collectNeighbors(id, update);
    // A placeholder row: updateEntries overwrites it.
    this.scores.add(id, this.owner, [-1, -1]);
    update.add(id);
    this.updateEntries(update.keys());
    return true;
  }

  setBulk(data: readonly Row[]): string[] {
    const update = new HashOrderSet();
    const stored: Row[] = [];
    for (const [id, fv] of data) {
      if (this.isKthSamePoint(fv)) {
        this.ignored++;
        continue;
      }
      if (this.scores.has(id)) this.collectNeighbors(id, update);
      stored.push([id, fv]);
      this.rows.setRow(id, fv);
    }
    const ids: string[] = [];
    for (const [id] of stored) {
      this.touch(id);
      this.collectNeighbors(id, update);
      this.scores.add(id, this.owner, [-1, -1]);
      update.add(id);
      ids.push(id);
    }
    this.updateEntries(update.keys());
    return ids;
  }

  /**
   * Re-scores `ids` (those in the score table): every k-distance first (the distance of the
   * k-th nearest row, the row itself counted), then every LRD from the new k-distances. Each
   * re-scored row is stamped as written here, in the order of 1.1.1's hash set (hash-order.ts):
   * the values do not depend on that order, the rows' version clocks do.
   */
  private updateEntries(ids: readonly string[]): void {
    const t = this.scores;
    const k = this.lof.k;
    const rows: number[] = [];
    const nested: Array<Array<[number, number]>> = [];
    for (const id of ids) {
      const row = t.rowOf(id);
      if (row === undefined) continue;
      const near = this.nnOfId(id, k);
      const inTable: Array<[number, number]> = [];
      for (const [n, d] of near) {
        const r = t.rowOf(n);
        if (r !== undefined) inTable.push([r, d]);
      }
      rows.push(row);
      nested.push(inTable);
      if (near.length > 0) t.cols[KDIST]![row] = near[near.length - 1]![1];
    }
    rows.forEach((row, i) => {
      const nn = nested[i]!;
      let lrd = 1;
      if (nn.length > 0) {
        const length = Math.min(nn.length, k);
        let sum = 0;
        for (let j = 0; j < length; j++) sum += Math.max(nn[j]![1], t.cols[KDIST]![nn[j]![0]]!);
        lrd = sum === 0 ? Infinity : length / sum;
      }
      t.cols[LRD]![row] = lrd;
      t.updateClock(row, this.owner);
    });
  }

  /** The unlearner forgot `id`: drop it from both tables and re-score its reverse neighbours. */
  private unlearn(id: string): void {
    const reverse = new HashOrderSet();
    this.collectNeighbors(id, reverse);
    reverse.delete(id);
    this.rows.deleteRow(id);
    this.scores.deleteRow(id);
    this.updateEntries(reverse.keys());
  }

  allRows(): string[] {
    return this.rows.ids();
  }

  status(): Record<string, string> {
    return {
      num_id: String(this.rows.size),
      ...(this.lof.ignoreKthSamePoint ? { num_ignored: String(this.ignored) } : {}),
      ...this.unlearner?.status(),
    };
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(this.unlearner ? 3 : 2);
    this.unlearner?.pack(w);
    this.rows.pack(w);
    this.scores.pack(w);
  }

  unpack(v: MsgValue): () => void {
    const u = this.unlearner;
    const parts = expectArray(v, 'light_lof model', u ? 3 : 2);
    const at = u ? 1 : 0;
    const installUnlearner = u?.unpack(parts[0]!);
    const installRows = this.rows.unpack(parts[at]!);
    const scores = DoubleTable.unpack(parts[at + 1]!, 2, 'score table');
    // 1.1.1 clears before loading; the MIX version clocks live in the mixables and survive.
    return () => {
      this.ignored = 0;
      installUnlearner?.();
      installRows();
      this.scores.adopt(scores);
    };
  }

  /** MIX rows of the score table; an unlearner touches each first (it may forget another row). */
  private applyScores(rows: readonly DoubleRow[]): void {
    for (const r of rows) {
      this.unlearner?.touch(r.id);
      this.scores.putRow(r);
    }
  }

  linearParts(): LinearPart<unknown>[] {
    return [this.rows.linearPart(), doubleTablePart(() => this.scores, (rows) => this.applyScores(rows))];
  }

  pushParts(): PushPart[] {
    return [this.rows.pushPart(), doubleTablePushPart(() => this.scores, (rows) => this.applyScores(rows))];
  }
}
