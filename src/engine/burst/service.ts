/**
 * The burst engine (engine spec §11): per registered keyword, how many documents fall in each
 * batch of a position window and how many contain the keyword, and Kleinberg's burst weight of
 * each batch. A server counts the keywords it processes (all of them standalone; in a cluster
 * the ones the ring assigns it, `EngineOptions.owns`) and stores every keyword's results,
 * sharing them through MIX.
 *
 * Model file: `[options, storages, aggregators]` as 1.1.1 writes it (`model.ts`).
 */
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { ConfigError } from '../../errors.js';
import { asObject, checkKeys, child, reqInt, reqString, type JsonObject } from '../config-cast.js';
import type { Engine, EngineOptions, LinearMixable, ShippedEngineFactory } from '../engine.js';
import { composeLinear, type LinearPart } from '../mixable.js';
import { Aggregator, ResultStorage, type BurstOptions, type KeywordParams } from './keyword-state.js';
import { mixBurstDiffs, packBurstModel, readBurstDiff, unpackBurstModel, writeBurstDiff, type BurstDiff } from './model.js';
import type { BurstService, KeywordWithParams, Window } from './service-types.js';
import type { ResultWindow } from './window.js';
import { hashOrder } from './hash-order.js';

/** 1.1.1 drops a keyword this server stopped processing after this many MIXes. */
const SURVIVAL_MIX_COUNT = 5;

export interface KeywordStorage {
  params: KeywordParams;
  storage: ResultStorage;
}

export interface KeywordAggregator {
  agg: Aggregator;
  params: KeywordParams;
  storage: ResultStorage;
  /** -1: processed here; n > 0: MIXes left before it is dropped. */
  removalCount: number;
}

function toWindow(r: ResultWindow | null): Window {
  if (!r) return [-1, []];
  const batches = new Array<[number, number, number]>(r.size);
  for (let i = 0; i < r.size; i++) batches[i] = [r.d[i]!, r.r[i]!, r.w[i]!];
  return [r.start, batches];
}

export class BurstEngine implements Engine, BurstService {
  readonly type = 'burst';
  readonly userDataVersion = 1;
  storages = new Map<string, KeywordStorage>();
  aggregators = new Map<string, KeywordAggregator>();
  private mixed = false;
  private followingMembers = false;

  constructor(
    public options: BurstOptions,
    private readonly owns: (keyword: string) => boolean = () => true,
  ) {}

  private newAggregator(s: KeywordStorage): KeywordAggregator {
    const o = this.options;
    return { agg: new Aggregator(o.windowBatchSize, o.batchInterval, o.resultWindowRotateSize), params: s.params, storage: s.storage, removalCount: -1 };
  }

  add_documents(data: Array<[number, string]>): number {
    // 1.1.1 re-reads ownership once the first MIX has brought the other members' keywords,
    // and from then on whenever the members change (membersChanged).
    if (!this.followingMembers && this.mixed) {
      this.rehashKeywords();
      this.followingMembers = true;
    }
    let processed = 0;
    for (const [pos, text] of data) if (this.addDocument(text, pos)) processed++;
    if (processed > 0) {
      for (const a of this.aggregators.values()) a.agg.flush(a.params, this.options, a.storage);
    }
    return processed;
  }

  private addDocument(text: string, pos: number): boolean {
    // 1.1.1 casts floor(pos / interval) to int (undefined for NaN and ±∞); such a document
    // lands in no batch, so it is not counted.
    if (!Number.isFinite(pos)) return false;
    let result = true;
    for (const [keyword, a] of hashOrder(this.aggregators)) {
      const r = text.includes(keyword) ? 1 : 0;
      result = a.agg.addDocument(1, r, pos) && result;
    }
    return result;
  }

  get_result(keyword: string): Window {
    return toWindow(this.storages.get(keyword)?.storage.latest() ?? null);
  }

  get_result_at(keyword: string, pos: number): Window {
    return toWindow(this.storages.get(keyword)?.storage.at(pos) ?? null);
  }

  get_all_bursted_results(): Map<string, Window> {
    const out = new Map<string, Window>();
    for (const [k, a] of hashOrder(this.aggregators)) {
      const r = a.storage.latest();
      if (r && r.isBurstedAtLatest()) out.set(k, toWindow(r));
    }
    return out;
  }

  get_all_bursted_results_at(pos: number): Map<string, Window> {
    const out = new Map<string, Window>();
    for (const [k, a] of hashOrder(this.aggregators)) {
      const r = a.storage.at(pos);
      if (r && r.isBurstedAt(pos)) out.set(k, toWindow(r));
    }
    return out;
  }

  get_all_keywords(): KeywordWithParams[] {
    return hashOrder(this.storages).map(([k, s]): KeywordWithParams => [k, s.params.scalingParam, s.params.gamma]);
  }

  add_keyword(keyword: KeywordWithParams): boolean {
    const [name, scalingParam, gamma] = keyword;
    if (!(scalingParam > 1)) throw new Error('invalid parameter (expected: scaling_param must be > 1.)');
    if (!(gamma > 0)) throw new Error('invalid parameter (expected: gamma must be > 0.)');
    if (this.storages.has(name) || this.aggregators.has(name)) return false;
    const s: KeywordStorage = { params: { scalingParam, gamma }, storage: new ResultStorage(this.options.resultWindowRotateSize) };
    this.storages.set(name, s);
    if (this.owns(name)) this.aggregators.set(name, this.newAggregator(s));
    return true;
  }

  remove_keyword(keyword: string): boolean {
    this.aggregators.delete(keyword);
    return this.storages.delete(keyword);
  }

  remove_all_keywords(): boolean {
    this.clear();
    return true;
  }

  clear(): boolean {
    this.aggregators = new Map();
    this.storages = new Map();
    return true;
  }

  /**
   * After the cluster changed (or the first MIX): processes exactly the keywords in `mine`. A
   * keyword no longer ours keeps being counted until SURVIVAL_MIX_COUNT more MIXes, so its
   * results survive while the new owner catches up (1.1.1's `set_processed_keywords`).
   */
  setProcessedKeywords(mine: readonly string[]): void {
    for (const a of this.aggregators.values()) if (a.removalCount < 0) a.removalCount = SURVIVAL_MIX_COUNT;
    for (const k of mine) {
      const a = this.aggregators.get(k);
      if (a) a.removalCount = -1;
      else {
        const s = this.storages.get(k);
        if (!s) throw new Error('something went wrong in burst');
        this.aggregators.set(k, this.newAggregator(s));
      }
    }
  }

  /** Re-reads ownership from `owns` for every keyword. */
  rehashKeywords(): void {
    this.setProcessedKeywords(hashOrder(this.storages).map(([k]) => k).filter((k) => this.owns(k)));
  }

  membersChanged(): void {
    if (this.followingMembers) this.rehashKeywords();
  }

  hasBeenMixed(): boolean {
    return this.mixed;
  }

  status(): Record<string, string> {
    return {
      all_keywords: hashOrder(this.storages).map(([k]) => k).join(','),
      processed_keywords: hashOrder(this.aggregators).map(([k]) => k).join(','),
      // juba's: the counts, for top and ctl status.
      keyword_count: String(this.storages.size),
      processed_keyword_count: String(this.aggregators.size),
    };
  }

  packModel(w: MsgWriter): void {
    packBurstModel(w, this);
  }

  unpackModel(v: MsgValue): void {
    const m = unpackBurstModel(v, this.options);
    this.options = m.options;
    this.storages = m.storages;
    this.aggregators = new Map();
    for (const [k, agg] of m.aggregators) {
      const s = m.storages.get(k)!;
      this.aggregators.set(k, { agg, params: s.params, storage: s.storage, removalCount: -1 });
    }
  }

  getDiff(): BurstDiff {
    const d: BurstDiff = new Map();
    // Built by walking the aggregators in hash order, so the diff's own hash order is insertion order again.
    for (const [k, a] of hashOrder(this.aggregators)) d.set(k, { params: a.params, results: a.storage.diff() });
    return d;
  }

  putDiff(d: BurstDiff): boolean {
    for (const [k, e] of d) {
      let s = this.storages.get(k);
      if (!s) {
        s = { params: e.params, storage: new ResultStorage(this.options.resultWindowRotateSize) };
        this.storages.set(k, s);
      }
      s.storage.putDiff(e.results);
    }
    for (const [k, a] of [...this.aggregators]) {
      if (a.removalCount > 0) a.removalCount--;
      if (a.removalCount === 0) this.aggregators.delete(k);
    }
    this.mixed = true;
    return true;
  }

  linearMixable(): LinearMixable<unknown[]> {
    const part: LinearPart<BurstDiff> = {
      packDiff: (w) => writeBurstDiff(w, this.getDiff()),
      unpackDiff: readBurstDiff,
      mixDiff: mixBurstDiffs,
      writeDiff: writeBurstDiff,
      putDiff: (d) => this.putDiff(d),
    };
    return composeLinear('burst', [part]);
  }
}

const PARAM_KEYS = ['window_batch_size', 'batch_interval', 'result_window_rotate_size', 'max_reuse_batch_num', 'costcut_threshold'];

function reqDouble(obj: JsonObject, key: string, path: string): number {
  const v = obj[key];
  if (v === undefined || v === null) throw new ConfigError(child(path, key), 'required key is missing');
  if (typeof v !== 'number') throw new ConfigError(child(path, key), `expected a number, got ${typeof v}`);
  return v;
}

export function parseBurstConfig(config: unknown): BurstOptions {
  const root = asObject(config, '');
  checkKeys(root, ['method', 'parameter'], '');
  // 1.1.1 reads `method` but never checks it ("burst" in every shipped config).
  reqString(root, 'method', '');
  if (root.parameter === undefined || root.parameter === null) throw new ConfigError('parameter', 'required key is missing');
  const p = asObject(root.parameter, 'parameter');
  checkKeys(p, PARAM_KEYS, 'parameter');
  const o: BurstOptions = {
    windowBatchSize: reqInt(p, 'window_batch_size', 'parameter'),
    batchInterval: reqDouble(p, 'batch_interval', 'parameter'),
    resultWindowRotateSize: reqInt(p, 'result_window_rotate_size', 'parameter'),
    maxReuseBatchNum: reqInt(p, 'max_reuse_batch_num', 'parameter'),
    costcutThreshold: reqDouble(p, 'costcut_threshold', 'parameter'),
  };
  const bad = (key: string, rule: string): ConfigError => new ConfigError(`parameter.${key}`, `invalid parameter (${rule})`);
  if (!(o.windowBatchSize > 0)) throw bad('window_batch_size', 'window_batch_size should > 0');
  if (!(o.batchInterval > 0)) throw bad('batch_interval', 'batch_interval should > 0');
  if (!(o.resultWindowRotateSize > 0)) throw bad('result_window_rotate_size', 'result_window_rotate_size should > 0');
  if (!(o.maxReuseBatchNum >= 0)) throw bad('max_reuse_batch_num', 'max_reuse_batch_num should >= 0');
  if (!(o.costcutThreshold > 0)) o.costcutThreshold = Number.MAX_VALUE;
  return o;
}

// `satisfies` keeps create's BurstEngine result for embedders and tests.
export const burstFactory = {
  type: 'burst',
  presets: {
    // A stream of documents: each message is one [pos, text] of add_documents' list.
    feed: { method: 'add_documents', wrap: true, example: '[12.5, "storm warning for the coast"]' },
    // get_all_keywords never fails and reads every keyword; get_result needs a registered one.
    bench: { method: 'get_all_keywords', args: [] },
    size: { keys: ['keyword_count'], label: 'KEYWORDS' },
  },
  create(config: unknown, options: EngineOptions): BurstEngine {
    return new BurstEngine(parseBurstConfig(config), options.owns ? (k) => options.owns!(k, 2) : undefined);
  },
} satisfies ShippedEngineFactory;
