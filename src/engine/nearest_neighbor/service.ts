/**
 * The nearest_neighbor engine: the IDL methods of `idl/nearest_neighbor.idl` over the converter
 * and the model, plus the model-file form (spec §4.8) and the MIX diff (spec §4.7).
 */
import type { Datum } from '../datum.js';
import type { Engine, EngineFactory, EngineOptions, LinearMixable, PushMixable } from '../engine.js';
import { parseConverterConfig, type ConverterConfig } from '../fv/config.js';
import { DatumToFvConverter } from '../fv/converter.js';
import { WeightManager, type WeightDiff } from '../fv/weight-manager.js';
import { expectArray, expectBytes, decodeOne, type MsgValue } from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import { parseNnConfig, type NnParams } from './config.js';
import { NearestNeighborModel, type IdWithScore } from './model.js';
import {
  applyRun, decodeRun, readVersionClock, scanPushDiff, scanRowsExactly, writeRuns, writeVersionClock, type RowRun,
} from './row-diff.js';
import { packDiff, packTable, unpackTable, type DiffRow } from './table-codec.js';

export class NearestNeighborEngine implements Engine {
  readonly type = 'nearest_neighbor';
  readonly userDataVersion = 1;
  readonly model: NearestNeighborModel;
  readonly converter: DatumToFvConverter;
  /** set_row calls since start or the last clear (spec §4.1 names the key, not its reset rule). */
  private updateRowCnt = 0;

  constructor(
    readonly params: NnParams,
    converterConfig: ConverterConfig,
    options: EngineOptions,
  ) {
    this.model = new NearestNeighborModel(params, options.owner);
    this.converter = new DatumToFvConverter(converterConfig);
  }

  clear(): boolean {
    this.model.clear();
    this.converter.clear();
    this.updateRowCnt = 0;
    return true;
  }

  set_row(id: string, d: Datum): boolean {
    this.model.setRow(id, this.converter.convertAndUpdateWeight(d));
    this.updateRowCnt++;
    return true;
  }

  neighbor_row_from_id(id: string, size: number): IdWithScore[] {
    return this.model.neighborRowFromId(id, size);
  }

  neighbor_row_from_datum(d: Datum, size: number): IdWithScore[] {
    if (size <= 0 || this.model.size === 0) return [];
    return this.model.neighborRowFromFv(this.converter.convert(d), size);
  }

  similar_row_from_id(id: string, size: number): IdWithScore[] {
    return this.model.similarRowFromId(id, size);
  }

  similar_row_from_datum(d: Datum, size: number): IdWithScore[] {
    if (size <= 0 || this.model.size === 0) return [];
    return this.model.similarRowFromFv(this.converter.convert(d), size);
  }

  get_all_rows(): string[] {
    return this.model.allRows();
  }

  status(): Record<string, string> {
    return { update_row_cnt: String(this.updateRowCnt), data: String(this.model.size) };
  }

  /** `[table, weight_manager]`. */
  packModel(w: MsgWriter): void {
    w.arrayHeader(2);
    packTable(w, this.model.table);
    this.converter.weights.pack(w);
  }

  unpackModel(v: MsgValue): void {
    const parts = expectArray(v, 'nearest_neighbor model', 2);
    const table = unpackTable(parts[0]!, this.params.hashNum, this.model.hasNorm);
    const weights = WeightManager.unpack(parts[1]!);
    // Jubatus keeps the version clock in the mixable, not in the table, so it survives a model
    // replacement (load, MIX catch-up).
    for (const [owner, clock] of this.model.table.versionClock) table.versionClock.set(owner, clock);
    this.model.replaceTable(table);
    this.converter.setWeights(weights);
  }

  /**
   * get_diff's payload for this driver's mixables, `[raw(table rows), weight diff]`: the table
   * rows newer than the version clock, wrapped once more as raw like Jubatus does.
   */
  packDiff(w: MsgWriter): void {
    const inner = new MsgWriter(1024);
    packDiff(inner, this.model.table);
    w.arrayHeader(2);
    w.raw(inner.peek());
    this.converter.weights.packDiff(w);
  }

  /** Validates a get_diff/put_diff payload; the table rows stay encoded until put_diff. */
  unpackDiff(v: MsgValue): NearestNeighborDiff {
    const parts = expectArray(v, 'nearest_neighbor diff', 2);
    const run = scanRowsExactly(expectBytes(parts[0]!, 'table diff'), this.params.hashNum, this.model.hasNorm);
    return new NearestNeighborDiff([run], WeightManager.readDiff(parts[1]!), this.params.hashNum, this.model.hasNorm);
  }

  /** MIX fold: table rows concatenate (accumulator first); weight diffs follow their own rule. */
  static mixDiff(acc: NearestNeighborDiff, incoming: NearestNeighborDiff): NearestNeighborDiff {
    return new NearestNeighborDiff(
      acc.runs.concat(incoming.runs),
      WeightManager.mixDiff(acc.weights, incoming.weights),
      acc.hashNum,
      acc.hasNorm,
    );
  }

  mixDiff(acc: NearestNeighborDiff, incoming: NearestNeighborDiff): NearestNeighborDiff {
    return NearestNeighborEngine.mixDiff(acc, incoming);
  }

  writeDiff(w: MsgWriter, d: NearestNeighborDiff): void {
    const inner = new MsgWriter(1024);
    writeRuns(inner, d.runs);
    w.arrayHeader(2);
    w.raw(inner.peek());
    WeightManager.writeDiff(w, d.weights);
  }

  /** put_diff: the table always accepts; false means the weight manager is out of date (obsolete). */
  putDiff(d: NearestNeighborDiff): boolean {
    for (const run of d.runs) applyRun(this.model.table, run);
    return this.converter.weights.putDiff(d.weights);
  }

  linearMixable(): LinearMixable<NearestNeighborDiff> {
    return this;
  }

  /** Only the versioned table is push-mixable (spec §4.7): idf statistics stay local under push mixers. */
  pushMixable(): PushMixable {
    return this;
  }

  /** `[version clock]`. */
  writePullArgument(w: MsgWriter): void {
    w.arrayHeader(1);
    writeVersionClock(w, this.model.table.versionClock);
  }

  /** `[rows newer than the peer's version clock]` (a plain array here, not raw as in get_diff). */
  pull(arg: Uint8Array, w: MsgWriter): void {
    const parts = expectArray(decodeOne(arg), 'pull argument', 1);
    const vc = readVersionClock(parts[0]!);
    w.arrayHeader(1);
    packDiff(w, this.model.table, vc);
  }

  /** `[rows]` from a peer's pull: validated whole before any row is applied. */
  push(diff: Uint8Array): void {
    applyRun(this.model.table, scanPushDiff(diff, this.params.hashNum, this.model.hasNorm));
  }
}

/**
 * A decoded MIX diff: the table rows as validated encoded runs (concatenated by the fold, decoded
 * only when applied) and the weight manager's statistics.
 */
export class NearestNeighborDiff {
  constructor(
    readonly runs: readonly RowRun[],
    readonly weights: WeightDiff,
    readonly hashNum: number,
    readonly hasNorm: boolean,
  ) {}

  get rowCount(): number {
    let n = 0;
    for (const r of this.runs) n += r.count;
    return n;
  }

  /** The table rows as objects, for tests and tools. */
  get rows(): DiffRow[] {
    return this.runs.flatMap((r) => decodeRun(r, this.hashNum, this.hasNorm));
  }
}

export const nearestNeighborFactory: EngineFactory = {
  type: 'nearest_neighbor',
  create(config: unknown, options: EngineOptions): NearestNeighborEngine {
    const c = parseNnConfig(config);
    return new NearestNeighborEngine(c.params, parseConverterConfig(c.converter, 'converter'), options);
  },
};
