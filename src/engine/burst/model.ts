/**
 * Burst's model file and MIX diff in 1.1.1's layout:
 * model `[[window_batch_size, batch_interval, result_window_rotate_size, max_reuse_batch_num,
 * costcut_threshold], {keyword: [[scaling_param, gamma], [results, results_max,
 * oldest_start_pos_not_mixed]]}, {keyword: [inputs, window_batch_size, batch_interval,
 * max_stored]}]`; a result window `[[[d, r, weight]…], start_pos, batch_interval]`, an input
 * window `[[[d, r]…], start_pos, batch_interval]` (both lists newest first);
 * diff `[{keyword: [[scaling_param, gamma], [results…]]}]`.
 */
import { expectArray, expectMap, expectNumber, expectString, MsgpackError, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { Aggregator, ResultStorage, type BurstOptions, type KeywordParams } from './keyword-state.js';
import { hashOrder } from './hash-order.js';
import type { BurstEngine, KeywordStorage } from './service.js';
import { InputWindow, ResultWindow } from './window.js';

export type BurstDiff = Map<string, { params: KeywordParams; results: ResultWindow[] }>;

function int(v: MsgValue, what: string): number {
  const n = expectNumber(v, what);
  if (!Number.isInteger(n)) throw new MsgpackError(`${what}: expected an integer`);
  return n;
}

function writeParams(w: MsgWriter, p: KeywordParams): void {
  w.arrayHeader(2);
  w.float64(p.scalingParam);
  w.float64(p.gamma);
}

function readParams(v: MsgValue): KeywordParams {
  const [s, g] = expectArray(v, 'burst keyword params', 2);
  return { scalingParam: expectNumber(s!, 'burst scaling_param'), gamma: expectNumber(g!, 'burst gamma') };
}

function writeResult(w: MsgWriter, r: ResultWindow): void {
  w.arrayHeader(3);
  w.arrayHeader(r.size);
  for (let i = 0; i < r.size; i++) {
    w.arrayHeader(3);
    w.int(r.d[i]!);
    w.int(r.r[i]!);
    w.float64(r.w[i]!);
  }
  w.float64(r.start);
  w.float64(r.interval);
}

function readResult(v: MsgValue): ResultWindow {
  const [batches, start, interval] = expectArray(v, 'burst result window', 3);
  const bs = expectArray(batches!, 'burst result batches');
  const d = new Int32Array(bs.length);
  const r = new Int32Array(bs.length);
  const w = new Float64Array(bs.length);
  bs.forEach((b, i) => {
    const [bd, br, bw] = expectArray(b, 'burst result batch', 3);
    d[i] = int(bd!, 'burst d');
    r[i] = int(br!, 'burst r');
    w[i] = expectNumber(bw!, 'burst weight');
  });
  const iv = expectNumber(interval!, 'burst batch_interval');
  if (!(iv > 0)) throw new MsgpackError('burst batch_interval: expected > 0');
  return new ResultWindow(expectNumber(start!, 'burst start_pos'), iv, d, r, w);
}

function writeInput(w: MsgWriter, x: InputWindow): void {
  w.arrayHeader(3);
  w.arrayHeader(x.size);
  for (let i = 0; i < x.size; i++) {
    w.arrayHeader(2);
    w.int(x.d[i]!);
    w.int(x.r[i]!);
  }
  w.float64(x.start);
  w.float64(x.interval);
}

function readInput(v: MsgValue): InputWindow {
  const [batches, start, interval] = expectArray(v, 'burst input window', 3);
  const bs = expectArray(batches!, 'burst input batches');
  const iv = expectNumber(interval!, 'burst batch_interval');
  if (!(iv > 0)) throw new MsgpackError('burst batch_interval: expected > 0');
  const x = new InputWindow(expectNumber(start!, 'burst start_pos'), iv, bs.length);
  bs.forEach((b, i) => {
    const [bd, br] = expectArray(b, 'burst input batch', 2);
    x.d[i] = int(bd!, 'burst d');
    x.r[i] = int(br!, 'burst r');
  });
  return x;
}

export function packBurstModel(w: MsgWriter, e: BurstEngine): void {
  const o = e.options;
  w.arrayHeader(3);
  w.arrayHeader(5);
  w.int(o.windowBatchSize);
  w.float64(o.batchInterval);
  w.int(o.resultWindowRotateSize);
  w.int(o.maxReuseBatchNum);
  w.float64(o.costcutThreshold);
  w.mapHeader(e.storages.size);
  for (const [k, s] of hashOrder(e.storages)) {
    w.str(k);
    w.arrayHeader(2);
    writeParams(w, s.params);
    w.arrayHeader(3);
    w.arrayHeader(s.storage.results.length);
    for (const r of s.storage.results) writeResult(w, r);
    w.int(s.storage.max);
    w.float64(s.storage.oldestNotMixed);
  }
  w.mapHeader(e.aggregators.size);
  for (const [k, a] of hashOrder(e.aggregators)) {
    w.str(k);
    w.arrayHeader(4);
    w.arrayHeader(a.agg.inputs.length);
    for (const x of a.agg.inputs) writeInput(w, x);
    w.int(a.agg.windowBatchSize);
    w.float64(a.agg.batchInterval);
    w.int(a.agg.maxStored);
  }
}

export interface UnpackedBurst {
  options: BurstOptions;
  storages: Map<string, KeywordStorage>;
  aggregators: Map<string, Aggregator>;
}

/** Entries of a map written in hash order, back in insertion order. */
function entries(v: MsgValue, what: string): Array<[string, MsgValue]> {
  return expectMap(v, what).entries.map(([k, x]): [string, MsgValue] => [expectString(k, `${what} key`), x]).reverse();
}

export function unpackBurstModel(v: MsgValue, current: BurstOptions): UnpackedBurst {
  const [ov, sv, av] = expectArray(v, 'burst model', 3);
  const of = expectArray(ov!, 'burst options', 5);
  const options: BurstOptions = {
    ...current,
    windowBatchSize: int(of[0]!, 'burst window_batch_size'),
    batchInterval: expectNumber(of[1]!, 'burst batch_interval'),
    resultWindowRotateSize: int(of[2]!, 'burst result_window_rotate_size'),
    maxReuseBatchNum: int(of[3]!, 'burst max_reuse_batch_num'),
    costcutThreshold: expectNumber(of[4]!, 'burst costcut_threshold'),
  };
  const storages = new Map<string, KeywordStorage>();
  for (const [k, x] of entries(sv!, 'burst storages')) {
    const [pv, rv] = expectArray(x, 'burst storage', 2);
    const [results, max, oldest] = expectArray(rv!, 'burst result storage', 3);
    const storage = new ResultStorage(int(max!, 'burst results_max'));
    storage.results = expectArray(results!, 'burst results').map(readResult);
    storage.oldestNotMixed = expectNumber(oldest!, 'burst oldest_start_pos_not_mixed');
    storages.set(k, { params: readParams(pv!), storage });
  }
  const aggregators = new Map<string, Aggregator>();
  for (const [k, x] of entries(av!, 'burst aggregators')) {
    if (!storages.has(k)) throw new MsgpackError(`burst aggregator ${k}: no storage`);
    const [inputs, wbs, interval, maxStored] = expectArray(x, 'burst aggregator', 4);
    const agg = new Aggregator(int(wbs!, 'burst window_batch_size'), expectNumber(interval!, 'burst batch_interval'), int(maxStored!, 'burst max_stored'));
    agg.inputs = expectArray(inputs!, 'burst inputs').map(readInput);
    aggregators.set(k, agg);
  }
  return { options, storages, aggregators };
}

export function writeBurstDiff(w: MsgWriter, d: BurstDiff): void {
  w.arrayHeader(1);
  w.mapHeader(d.size);
  for (const [k, e] of hashOrder(d)) {
    w.str(k);
    w.arrayHeader(2);
    writeParams(w, e.params);
    w.arrayHeader(e.results.length);
    for (const r of e.results) writeResult(w, r);
  }
}

export function readBurstDiff(v: MsgValue): BurstDiff {
  const [m] = expectArray(v, 'burst diff', 1);
  const d: BurstDiff = new Map();
  for (const [k, x] of entries(m!, 'burst diff')) {
    const [pv, rv] = expectArray(x, 'burst diff entry', 2);
    d.set(k, { params: readParams(pv!), results: expectArray(rv!, 'burst diff results').map(readResult) });
  }
  return d;
}

/** The master's fold: keywords united, a keyword's results from both sides concatenated (put_diff merges them). */
export function mixBurstDiffs(acc: BurstDiff, incoming: BurstDiff): BurstDiff {
  for (const [k, e] of incoming) {
    const mine = acc.get(k);
    if (mine) mine.results = [...mine.results, ...e.results];
    else acc.set(k, { params: e.params, results: [...e.results] });
  }
  return acc;
}
