/**
 * The nearest_neighbor engine: the IDL methods of `idl/nearest_neighbor.idl` over the converter
 * and the model, plus the model-file form (spec §4.8) and the MIX diff (spec §4.7).
 */
import type { Datum } from '../datum.js';
import type { Engine, EngineFactory, EngineOptions } from '../engine.js';
import { parseConverterConfig, type ConverterConfig } from '../fv/config.js';
import { DatumToFvConverter } from '../fv/converter.js';
import { WeightManager, type WeightDiff } from '../fv/weight-manager.js';
import { expectArray, expectBytes, decodeOne, type MsgValue } from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import { parseNnConfig, type NnParams } from './config.js';
import { NearestNeighborModel, type IdWithScore } from './model.js';
import { packDiff, packTable, putDiff, unpackDiff, unpackTable, writeDiffRows, type DiffRow } from './table-codec.js';

/** A decoded MIX diff: the table's rows and the weight manager's statistics. */
export interface NearestNeighborDiff {
  rows: DiffRow[];
  weights: WeightDiff;
}

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
    this.model.replaceTable(table);
    this.converter.setWeights(weights);
  }

  /**
   * get_diff's payload for this driver's mixables, `[raw(table rows), weight diff]`: the table
   * rows newer than the version clock, wrapped once more as raw like Jubatus does.
   */
  packDiff(w: MsgWriter): void {
    const inner = new MsgWriter();
    packDiff(inner, this.model.table);
    w.arrayHeader(2);
    w.raw(inner.peek());
    this.converter.weights.packDiff(w);
  }

  unpackDiff(v: MsgValue): NearestNeighborDiff {
    const parts = expectArray(v, 'nearest_neighbor diff', 2);
    const rows = unpackDiff(decodeOne(expectBytes(parts[0]!, 'table diff')), this.params.hashNum, this.model.hasNorm);
    return { rows, weights: WeightManager.readDiff(parts[1]!) };
  }

  /** MIX fold: table rows concatenate (accumulator first); weight diffs follow their own rule. */
  static mixDiff(acc: NearestNeighborDiff, incoming: NearestNeighborDiff): NearestNeighborDiff {
    return { rows: acc.rows.concat(incoming.rows), weights: WeightManager.mixDiff(acc.weights, incoming.weights) };
  }

  writeDiff(w: MsgWriter, d: NearestNeighborDiff): void {
    const inner = new MsgWriter();
    writeDiffRows(inner, d.rows, this.params.hashNum, this.model.hasNorm);
    w.arrayHeader(2);
    w.raw(inner.peek());
    WeightManager.writeDiff(w, d.weights);
  }

  /** put_diff: the table always accepts; false means the weight manager is out of date (obsolete). */
  putDiff(d: NearestNeighborDiff): boolean {
    putDiff(this.model.table, d.rows);
    return this.converter.weights.putDiff(d.weights);
  }
}

export const nearestNeighborFactory: EngineFactory = {
  type: 'nearest_neighbor',
  create(config: unknown, options: EngineOptions): NearestNeighborEngine {
    const c = parseNnConfig(config);
    return new NearestNeighborEngine(c.params, parseConverterConfig(c.converter, 'converter'), options);
  },
};
