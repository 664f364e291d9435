/**
 * Document statistics behind the idf / idf1 / bm25 / weight global weights (spec §2.8), kept as
 * a local `diff` and a MIXed `master` like Jubatus's weight_manager; every getter reads
 * diff + master. Also its model-file form (spec §4.8) and its linear-MIX diff (spec §5.4).
 */
import { readCount, readVersion, writeVersion } from '../common/version.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import {
  expectArray,
  expectMap,
  expectNumber,
  expectString,
  type MsgValue,
} from '../../msgpack/reader.js';
import type { GlobalWeight } from './config.js';

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** Global weight kinds as small integers, so the converter can carry one per string feature. */
export const GW_BIN = 0;
export const GW_IDF = 1;
export const GW_IDF1 = 2;
export const GW_BM25 = 3;
export const GW_WEIGHT = 4;
export const GLOBAL_WEIGHT_CODE: Readonly<Record<GlobalWeight, number>> = {
  bin: GW_BIN, idf: GW_IDF, idf1: GW_IDF1, bm25: GW_BM25, weight: GW_WEIGHT,
};

/** Jubatus's keyword_weights, decoded. Maps keep first-insertion order. */
export interface KeywordWeightsData {
  documentCount: number;
  /** feature key → number of documents containing it */
  df: Map<string, number>;
  /** group key (`key@type#sample/global`) → number of documents containing the group */
  groupFreq: Map<string, number>;
  /** group key → sum of the group's (unweighted) feature values over those documents */
  groupTotalLen: Map<string, number>;
  /** `key$token@type` (feature key before its last '#') → weight; no Jubatus RPC sets these */
  userWeights: Map<string, number>;
}

/** The weight manager's MIX diff: its local statistics and the model version they apply to. */
export interface WeightDiff {
  weights: KeywordWeightsData;
  version: number;
}

export function emptyKeywordWeights(): KeywordWeightsData {
  return { documentCount: 0, df: new Map(), groupFreq: new Map(), groupTotalLen: new Map(), userWeights: new Map() };
}

function addCounts(dst: Map<string, number>, src: Map<string, number>): void {
  for (const [k, v] of src) dst.set(k, (dst.get(k) ?? 0) + v);
}

/** Jubatus keyword_weights::merge: counts add; for user weights `src` wins. */
export function mergeKeywordWeights(dst: KeywordWeightsData, src: KeywordWeightsData): void {
  dst.documentCount += src.documentCount;
  addCounts(dst.df, src.df);
  addCounts(dst.groupFreq, src.groupFreq);
  addCounts(dst.groupTotalLen, src.groupTotalLen);
  for (const [k, v] of src.userWeights) dst.userWeights.set(k, v);
}

function copyKeywordWeights(w: KeywordWeightsData): KeywordWeightsData {
  return {
    documentCount: w.documentCount,
    df: new Map(w.df),
    groupFreq: new Map(w.groupFreq),
    groupTotalLen: new Map(w.groupTotalLen),
    userWeights: new Map(w.userWeights),
  };
}

/**
 * The bm25 group of a feature key: `key$value@rule#sw/gw` → `key@rule#sw/gw`; "" for keys
 * without '@' or '$'. Same string surgery as Jubatus, including its odd results for num
 * `x@str$5` keys, because those groups are counted (and saved) too.
 */
export function groupKeyOf(key: string): string {
  const at = key.lastIndexOf('@');
  if (at < 0) return '';
  const dollar = key.indexOf('$');
  if (dollar < 0) return '';
  return key.slice(0, dollar) + key.slice(at);
}

export class WeightManager {
  private diff = emptyKeywordWeights();
  private master = emptyKeywordWeights();
  private ver = 0;

  /** MIX version (bumped by each accepted put_diff). */
  get version(): number {
    return this.ver;
  }

  /** Drops all statistics; the MIX version is kept, as in Jubatus. */
  clear(): void {
    this.diff = emptyKeywordWeights();
    this.master = emptyKeywordWeights();
  }

  documentCount(): number {
    return this.diff.documentCount + this.master.documentCount;
  }

  documentFrequency(key: string): number {
    return (this.diff.df.get(key) ?? 0) + (this.master.df.get(key) ?? 0);
  }

  /** Average group length; 0 for a group never seen (bm25 then divides by zero, as Jubatus does). */
  averageGroupLength(group: string): number {
    const freq = (this.diff.groupFreq.get(group) ?? 0) + (this.master.groupFreq.get(group) ?? 0);
    if (freq === 0) return 0;
    return ((this.diff.groupTotalLen.get(group) ?? 0) + (this.master.groupTotalLen.get(group) ?? 0)) / freq;
  }

  userWeight(key: string): number {
    return (this.diff.userWeights.get(key) ?? 0) + (this.master.userWeights.get(key) ?? 0);
  }

  /** Sets the user weight read by `weight` features: `key` is the feature key before its last '#'. */
  addUserWeight(key: string, weight: number): void {
    this.diff.userWeights.set(key, weight);
  }

  /** Counts one document: every feature (num ones too) in df, and with `groups` the bm25 group stats. */
  updateDocumentFrequency(keys: readonly string[], values: readonly number[], groups: boolean): void {
    const d = this.diff;
    d.documentCount += 1;
    const seen = groups ? new Set<string>() : null;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      d.df.set(key, (d.df.get(key) ?? 0) + 1);
      if (seen !== null) {
        const g = groupKeyOf(key);
        if (g) {
          seen.add(g);
          d.groupTotalLen.set(g, (d.groupTotalLen.get(g) ?? 0) + values[i]!);
        }
      }
    }
    if (seen !== null) for (const g of seen) d.groupFreq.set(g, (d.groupFreq.get(g) ?? 0) + 1);
  }

  /**
   * Applies global weights in place to features 0..codes.length-1, whose sample weights are in
   * `values` and whose global weight kinds are `codes` (the converter knows them from the rule;
   * Jubatus re-reads them from the key's `/gw` suffix, which names the same rule).
   */
  weigh(keys: readonly string[], values: number[], codes: readonly number[]): void {
    const n = codes.length;
    // bm25 document lengths come from the unweighted values, so take them before any change.
    const lengths = codes.includes(GW_BM25) ? groupLengths(keys, values, n) : null;
    const docs = this.documentCount();
    for (let i = 0; i < n; i++) {
      const code = codes[i]!;
      if (code === GW_BIN) continue;
      const key = keys[i]!;
      const s = values[i]!;
      if (code === GW_IDF || code === GW_IDF1) {
        const idf = Math.log((docs + 1) / (this.documentFrequency(key) + 1));
        values[i] = s * (code === GW_IDF1 ? idf + 1 : idf);
      } else if (code === GW_BM25) {
        const g = groupKeyOf(key);
        const df = this.documentFrequency(key);
        const idf = Math.log((docs - df + 0.5) / (df + 0.5));
        const norm = (lengths!.get(g) ?? 0) / this.averageGroupLength(g);
        values[i] = (idf * (s * (BM25_K1 + 1))) / (s + BM25_K1 * (1 - BM25_B + BM25_B * norm));
      } else {
        const hash = key.lastIndexOf('#');
        values[i] = hash < 0 ? 0 : this.userWeight(key.slice(0, hash)) * s;
      }
    }
  }

  /** Model-file form (spec §4.8): `[[version], diff, master]`. */
  pack(w: MsgWriter): void {
    w.arrayHeader(3);
    writeVersion(w, this.ver);
    writeKeywordWeights(w, this.diff);
    writeKeywordWeights(w, this.master);
  }

  /** Parses the model-file form into a new manager; throws MsgpackError when malformed. */
  static unpack(v: MsgValue): WeightManager {
    const top = expectArray(v, 'weight_manager', 3);
    const wm = new WeightManager();
    wm.ver = readVersion(top[0]!);
    wm.diff = readKeywordWeights(top[1]!, 'weight_manager diff');
    wm.master = readKeywordWeights(top[2]!, 'weight_manager master');
    return wm;
  }

  /** A snapshot of the local statistics for MIX. */
  getDiff(): WeightDiff {
    return { weights: copyKeywordWeights(this.diff), version: this.ver };
  }

  /** Writes `getDiff()` in wire form `[keyword_weights, [version]]` without copying. */
  packDiff(w: MsgWriter): void {
    writeDiffParts(w, this.diff, this.ver);
  }

  /**
   * Folds `incoming` into the accumulator of a MIX round: equal versions add up (user weights:
   * incoming wins), otherwise the newer diff replaces the older. May mutate and return `acc`,
   * or return `incoming` itself.
   */
  static mixDiff(acc: WeightDiff, incoming: WeightDiff): WeightDiff {
    if (acc.version === incoming.version) {
      mergeKeywordWeights(acc.weights, incoming.weights);
      return acc;
    }
    return incoming.version > acc.version ? incoming : acc;
  }

  /**
   * Applies a mixed diff: only when it was built for this version, then master += diff, the
   * local diff is dropped and the version moves on. False means this server is obsolete.
   */
  putDiff(d: WeightDiff): boolean {
    if (d.version !== this.ver) return false;
    mergeKeywordWeights(this.master, d.weights);
    this.diff = emptyKeywordWeights();
    this.ver += 1;
    return true;
  }

  static writeDiff(w: MsgWriter, d: WeightDiff): void {
    writeDiffParts(w, d.weights, d.version);
  }

  static readDiff(v: MsgValue): WeightDiff {
    const a = expectArray(v, 'weight manager diff', 2);
    return { weights: readKeywordWeights(a[0]!, 'weight manager diff'), version: readVersion(a[1]!) };
  }

  /** Decoded copies of both halves, for status pages and tests. */
  snapshot(): { version: number; diff: KeywordWeightsData; master: KeywordWeightsData } {
    return { version: this.ver, diff: copyKeywordWeights(this.diff), master: copyKeywordWeights(this.master) };
  }
}

function groupLengths(keys: readonly string[], values: readonly number[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const g = groupKeyOf(keys[i]!);
    if (g) out.set(g, (out.get(g) ?? 0) + values[i]!);
  }
  return out;
}

// ---- wire forms -------------------------------------------------------------------------

function writeDiffParts(w: MsgWriter, weights: KeywordWeightsData, version: number): void {
  w.arrayHeader(2);
  writeKeywordWeights(w, weights);
  writeVersion(w, version);
}

/**
 * Counts (df, group frequencies) are written as unsigned integers and group lengths as float64,
 * as decoded from model files saved by a running 1.1.1 (engines spec §4.8). Readers accept both.
 */
function writeCounter(w: MsgWriter, m: Map<string, number>, asFloat = false): void {
  w.arrayHeader(1);
  if (asFloat) writeDoubleMap(w, m);
  else {
    w.mapHeader(m.size);
    for (const [k, v] of m) {
      w.str(k);
      if (Number.isInteger(v) && v >= 0) w.int(v);
      else w.float64(v);
    }
  }
}

function writeDoubleMap(w: MsgWriter, m: Map<string, number>): void {
  w.mapHeader(m.size);
  for (const [k, v] of m) {
    w.str(k);
    w.float64(v);
  }
}

function writeKeywordWeights(w: MsgWriter, kw: KeywordWeightsData): void {
  w.arrayHeader(5);
  w.int(kw.documentCount);
  writeCounter(w, kw.df);
  writeCounter(w, kw.groupFreq);
  writeCounter(w, kw.groupTotalLen, true);
  writeDoubleMap(w, kw.userWeights);
}

function readDoubleMap(v: MsgValue, what: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, val] of expectMap(v, what).entries) out.set(expectString(k, `${what} key`), expectNumber(val, `${what} value`));
  return out;
}

function readKeywordWeights(v: MsgValue, what: string): KeywordWeightsData {
  const a = expectArray(v, what, 5);
  return {
    documentCount: readCount(a[0]!, `${what} document_count`),
    df: readDoubleMap(expectArray(a[1]!, `${what} document_frequencies`, 1)[0]!, `${what} document_frequencies`),
    groupFreq: readDoubleMap(expectArray(a[2]!, `${what} group_frequencies`, 1)[0]!, `${what} group_frequencies`),
    groupTotalLen: readDoubleMap(expectArray(a[3]!, `${what} group_total_lengths`, 1)[0]!, `${what} group_total_lengths`),
    userWeights: readDoubleMap(a[4]!, `${what} weights`),
  };
}
