/**
 * The nearest_neighbor engine: the IDL methods of `idl/nearest_neighbor.idl` over the converter
 * and the model, plus the model-file form (spec §4.8) and the MIX diff (spec §4.7).
 */
import type { Datum } from '../datum.js';
import type { Engine, ShippedEngineFactory, EngineOptions, LinearMixable, ParallelAnalysis, PushMixable } from '../engine.js';
import { composeLinear, type LinearPart } from '../mixable.js';
import { composePush, type PushPart } from '../push-parts.js';
import { weightManagerPart } from '../fv/weight-mixable.js';
import { parseConverterConfig, type ConverterConfig } from '../fv/config.js';
import { DatumToFvConverter } from '../fv/converter.js';
import { WeightManager } from '../fv/weight-manager.js';
import { expectArray, expectBytes, type MsgValue } from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import { parseNnConfig, type NnParams } from './config.js';
import type { NearestNeighborService } from './service-types.js';
import { NearestNeighborModel, type IdWithScore } from './model.js';
import { nnParallel } from './parallel.js';
import {
  applyRun, decodeRun, encodeRuns, readVersionClock, scanRows, scanRowsExactly, writeVersionClock, type RowRun,
} from './row-diff.js';
import { encodeTableDiff, packDiff, packTable, type DiffRow } from './table-codec.js';

export class NearestNeighborEngine implements Engine, NearestNeighborService {
  readonly type = 'nearest_neighbor';
  readonly userDataVersion = 1;
  readonly model: NearestNeighborModel;
  readonly converter: DatumToFvConverter;
  /** set_row calls since start or the last clear (spec §4.1 names the key, not its reset rule). */
  private updateRowCnt = 0;
  private parallel?: ParallelAnalysis;

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
    const installTable = this.model.unpackTable(parts[0]!);
    const weights = WeightManager.unpack(parts[1]!);
    installTable();
    this.converter.setWeights(weights);
  }

  /** `[table rows, weight manager]`, in the driver's registration order (spec §4.7). */
  linearMixable(): LinearMixable<unknown[]> {
    return composeLinear('nearest_neighbor', [tablePart(this.model, this.params.hashNum), weightManagerPart(this.converter)]);
  }

  /** The four ranking methods run on the server's analysis threads, over the shared table. */
  parallelAnalysis(): ParallelAnalysis {
    this.parallel ??= nnParallel(() => this.model, () => this.converter);
    return this.parallel;
  }

  /** Only the versioned table is push-mixable (spec §4.7): idf statistics stay local under push mixers. */
  pushMixable(): PushMixable {
    return composePush('nearest_neighbor', [tablePushPart(this.model, this.params.hashNum)]);
  }
}

/**
 * The versioned table as a push mixable: its version clock as the pull argument, the rows newer
 * than a peer's clock as the answer (a plain array, not raw as in get_diff). `apply` installs a
 * validated run (an NN classifier's unlearner touches each row first).
 */
export function tablePushPart(
  model: NearestNeighborModel, hashNum: number, apply: (run: RowRun) => void = (run) => applyRun(model.table, run),
): PushPart {
  return {
    writeArgument: (w) => writeVersionClock(w, model.table.versionClock),
    pull: (arg, w) => packDiff(w, model.table, readVersionClock(arg)),
    scan: (buf, pos, end) => {
      const { run, end: after } = scanRows(buf, pos, end, hashNum, model.hasNorm);
      return { end: after, apply: () => apply(run) };
    },
  };
}

/**
 * The versioned table as a linear mixable: the rows newer than the version clock, wrapped once
 * more as raw like Jubatus does. Rows stay encoded (validated runs) until put_diff; the fold
 * concatenates them, accumulator first; put_diff always accepts.
 */
export function tablePart(model: NearestNeighborModel, hashNum: number): LinearPart<RowRun[]> {
  return {
    packDiff(w: MsgWriter): void {
      w.raw(encodeTableDiff(model.table));
    },
    unpackDiff: (v: MsgValue) => [scanRowsExactly(expectBytes(v, 'table diff'), hashNum, model.hasNorm)],
    mixDiff: (acc, incoming) => acc.concat(incoming),
    writeDiff(w: MsgWriter, runs: RowRun[]): void {
      w.raw(encodeRuns(runs));
    },
    putDiff(runs: RowRun[]): boolean {
      for (const run of runs) applyRun(model.table, run);
      return true;
    },
  };
}

/** The rows of a decoded table diff as objects, for tests and tools. */
export function diffRowsOf(runs: readonly RowRun[], hashNum: number, hasNorm: boolean): DiffRow[] {
  return runs.flatMap((r) => decodeRun(r, hashNum, hasNorm));
}

export const nearestNeighborFactory: ShippedEngineFactory = {
  type: 'nearest_neighbor',
  presets: {
    feed: { method: 'set_row', wrap: false, example: '["id1", {"x": 1.5, "y": 0.2}]', idempotent: true },
    bench: { method: 'similar_row_from_id', args: ['{id}', 10] },
    size: { keys: ['data'], label: 'ROWS' },
  },
  create(config: unknown, options: EngineOptions): NearestNeighborEngine {
    const c = parseNnConfig(config);
    return new NearestNeighborEngine(c.params, parseConverterConfig(c.converter, 'converter'), options);
  },
};
