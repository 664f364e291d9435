/**
 * datum → feature vector, in Jubatus's pipeline order (spec §2.3): string filters, string
 * features (original then filtered values), num filters, num features, global weighting with
 * removal of zero features, combinations, feature hashing.
 *
 * String features always come first in the vector, so the converter carries one global-weight
 * code per string feature in a side array instead of re-parsing keys; num features never carry
 * a global weight (their keys end in `@<num type>`).
 */
import { JubaError } from '../../errors.js';
import type { Datum, FeatureVector } from '../datum.js';
import type { ConverterConfig, SampleWeight } from './config.js';
import { hashFeatureKey } from './feature-hasher.js';
import { createNumFilter, createStringFilter } from './filters.js';
import { KeyMatcher } from './key-matcher.js';
import { formatDoubleG } from './num-format.js';
import { createSplitter, type Splitter, type TokenCounter } from './string-features.js';
import { GLOBAL_WEIGHT_CODE, GW_BIN, GW_BM25, GW_IDF, GW_IDF1, WeightManager } from './weight-manager.js';

/** A datum the converter refuses (Jubatus converter_exception), e.g. a key containing '$'. */
export class ConverterError extends JubaError {
  constructor(message: string) {
    super(message, { code: 'usage', hint: "datum keys must not contain '$'" });
    this.name = 'ConverterError';
  }
}

/** A string or num filter rule; outputs are stored under `key + suffix`. */
interface FilterRuleC<T> {
  matcher: KeyMatcher;
  apply: (value: T) => T;
  suffix: string;
}
interface StringRuleC {
  matcher: KeyMatcher;
  splitter: Splitter;
  /** the built-in `str` splitter: the whole value is the one token, no counter needed */
  whole: boolean;
  sample: SampleWeight;
  /** `@<type>#<sample>/<global>` */
  suffix: string;
  code: number;
}
const NUM = 0;
const LOG = 1;
const STR = 2;
interface NumRuleC {
  matcher: KeyMatcher;
  kind: typeof NUM | typeof LOG | typeof STR;
  /** `@<type>` */
  at: string;
  /** datum key → `<key>@<type>`, so the common num path does not concatenate per feature */
  cache: Map<string, string>;
}
interface CombinationRuleC {
  left: KeyMatcher;
  right: KeyMatcher;
  mul: boolean;
  /** `/<type>` */
  suffix: string;
}

const KEY_CACHE_MAX = 4096;
const NONE: ReadonlyArray<never> = [];
const NUM_KIND = { num: NUM, log: LOG, str: STR } as const;

function checkKey(key: string): void {
  if (key.includes('$')) throw new ConverterError(`feature key cannot contain '$': ${key}`);
}

function sampleWeight(kind: SampleWeight, tf: number): number {
  return kind === 'bin' ? 1 : kind === 'tf' ? tf : Math.log(1 + tf);
}

export class DatumToFvConverter {
  private wm = new WeightManager();
  private readonly stringFilterRules: FilterRuleC<string>[];
  private readonly numFilterRules: FilterRuleC<number>[];
  private readonly stringRules: StringRuleC[];
  private readonly numRules: NumRuleC[];
  private readonly combinationRules: CombinationRuleC[];
  private readonly hashMaxSize: number | undefined;
  /** Some string rule uses idf/idf1/bm25, so update-time conversion counts documents. */
  readonly updatesWeights: boolean;
  private readonly usesBm25: boolean;
  private readonly weighs: boolean;
  private readonly counter: TokenCounter = new Map();
  private readonly codes: number[] = [];

  constructor(config: ConverterConfig) {
    this.stringFilterRules = config.stringFilterRules.map((r) => {
      const f = createStringFilter(r.filter);
      return { matcher: KeyMatcher.forRule(r.key, r.except), apply: (v: string) => f.filter(v), suffix: r.suffix };
    });
    this.numFilterRules = config.numFilterRules.map((r) => ({
      matcher: KeyMatcher.forRule(r.key, r.except),
      apply: createNumFilter(r.filter),
      suffix: r.suffix,
    }));
    this.stringRules = config.stringRules.map((r) => ({
      matcher: KeyMatcher.forRule(r.key, r.except),
      splitter: createSplitter(r.splitter),
      whole: r.splitter.method === 'str',
      sample: r.sampleWeight,
      suffix: `@${r.type}#${r.sampleWeight}/${r.globalWeight}`,
      code: GLOBAL_WEIGHT_CODE[r.globalWeight],
    }));
    this.numRules = config.numRules.map((r) => ({
      matcher: KeyMatcher.forRule(r.key, r.except),
      kind: NUM_KIND[r.feature],
      at: `@${r.type}`,
      cache: new Map(),
    }));
    this.combinationRules = config.combinationRules.map((r) => ({
      left: KeyMatcher.compile(r.keyLeft),
      right: KeyMatcher.compile(r.keyRight),
      mul: r.feature === 'mul',
      suffix: `/${r.type}`,
    }));
    this.hashMaxSize = config.hashMaxSize;
    const codes = this.stringRules.map((r) => r.code);
    this.usesBm25 = codes.includes(GW_BM25);
    this.updatesWeights = this.usesBm25 || codes.includes(GW_IDF) || codes.includes(GW_IDF1);
    this.weighs = codes.some((c) => c !== GW_BIN);
  }

  get weights(): WeightManager {
    return this.wm;
  }

  /** Swaps in another weight manager (e.g. one unpacked from a model file). */
  setWeights(wm: WeightManager): void {
    this.wm = wm;
  }

  /** Query-time conversion: reads the statistics without counting this datum. */
  convert(d: Datum): FeatureVector {
    return this.run(d, false);
  }

  /** Update-time conversion: counts this datum in the statistics first, then weighs with them. */
  convertAndUpdateWeight(d: Datum): FeatureVector {
    return this.run(d, true);
  }

  /** Clears the weight statistics. */
  clear(): void {
    this.wm.clear();
  }

  private run(d: Datum, update: boolean): FeatureVector {
    const keys: string[] = [];
    const values: number[] = [];
    const codes = this.codes;
    codes.length = 0;
    if (this.stringRules.length > 0 && d.stringValues.length > 0) {
      const filtered = this.filter(this.stringFilterRules, d.stringValues);
      this.stringFeatures(d.stringValues, keys, values);
      this.stringFeatures(filtered, keys, values);
    }
    if (this.numRules.length > 0 && d.numValues.length > 0) {
      const filtered = this.filter(this.numFilterRules, d.numValues);
      this.numFeatures(d.numValues, keys, values);
      this.numFeatures(filtered, keys, values);
    }
    // Binary features: every binary type is a plugin, so no binary rule survives the config.
    if (update && this.updatesWeights) this.wm.updateDocumentFrequency(keys, values, this.usesBm25);
    if (this.weighs && codes.length > 0) this.wm.weigh(keys, values, codes);
    removeZeros(keys, values);
    if (this.combinationRules.length > 0 && keys.length >= 2) this.combine(keys, values);
    const m = this.hashMaxSize;
    if (m !== undefined) for (let i = 0; i < keys.length; i++) keys[i] = hashFeatureKey(keys[i]!, m);
    return { keys, values };
  }

  /** Each rule sees the originals and everything earlier rules produced; its outputs go last. */
  private filter<T>(rules: readonly FilterRuleC<T>[], values: ReadonlyArray<[string, T]>): ReadonlyArray<[string, T]> {
    if (rules.length === 0) return NONE;
    const filtered: Array<[string, T]> = [];
    for (const rule of rules) {
      const out: Array<[string, T]> = [];
      for (const [k, v] of values) if (rule.matcher.matches(k)) out.push([k + rule.suffix, rule.apply(v)]);
      for (const [k, v] of filtered) if (rule.matcher.matches(k)) out.push([k + rule.suffix, rule.apply(v)]);
      for (const e of out) filtered.push(e);
    }
    return filtered;
  }

  /** Rule-outer, value-inner (Jubatus's order for strings). */
  private stringFeatures(values: ReadonlyArray<[string, string]>, keys: string[], out: number[]): void {
    const codes = this.codes;
    for (const rule of this.stringRules) {
      for (const [k, v] of values) {
        if (!rule.matcher.matches(k)) continue;
        if (rule.whole) {
          checkKey(k);
          keys.push(`${k}$${v}${rule.suffix}`);
          out.push(sampleWeight(rule.sample, 1));
          codes.push(rule.code);
          continue;
        }
        const c = this.counter;
        c.clear();
        rule.splitter.split(v, c);
        for (const [token, tf] of c) {
          const s = sampleWeight(rule.sample, tf);
          if (s === 0) continue;
          checkKey(k);
          keys.push(`${k}$${token}${rule.suffix}`);
          out.push(s);
          codes.push(rule.code);
        }
      }
    }
  }

  /** Value-outer, rule-inner (Jubatus's order for nums). */
  private numFeatures(values: ReadonlyArray<[string, number]>, keys: string[], out: number[]): void {
    const rules = this.numRules;
    for (let i = 0; i < values.length; i++) {
      const pair = values[i]!;
      const k = pair[0];
      const v = pair[1];
      for (let r = 0; r < rules.length; r++) {
        const rule = rules[r]!;
        if (!rule.matcher.matchesAll && !rule.matcher.matches(k)) continue;
        let base = rule.cache.get(k);
        if (base === undefined) {
          checkKey(k);
          base = k + rule.at;
          if (rule.cache.size >= KEY_CACHE_MAX) rule.cache.clear();
          rule.cache.set(k, base);
        }
        if (rule.kind === NUM) {
          keys.push(base);
          out.push(v);
        } else if (rule.kind === LOG) {
          keys.push(base);
          out.push(v > 1 ? Math.log(v) : 0); // ln(max(1, v)); NaN → 0 like std::max(1.0, NaN)
        } else {
          keys.push(`${base}$${formatDoubleG(v)}`);
          out.push(1);
        }
      }
    }
  }

  /** Pairs j < m of the (weighted) original features, in either orientation of the rule. */
  private combine(keys: string[], values: number[]): void {
    const n = keys.length;
    for (const rule of this.combinationRules) {
      const left = matchFlags(rule.left, keys, n);
      const right = matchFlags(rule.right, keys, n);
      for (let j = 0; j < n - 1; j++) {
        const lj = left === null || left[j] === 1;
        const rj = right === null || right[j] === 1;
        if (!lj && !rj) continue;
        for (let m = j + 1; m < n; m++) {
          const lm = left === null || left[m] === 1;
          const rm = right === null || right[m] === 1;
          if ((lj && rm) || (rj && lm)) {
            keys.push(`${keys[j]!}&${keys[m]!}${rule.suffix}`);
            values.push(rule.mul ? values[j]! * values[m]! : values[j]! + values[m]!);
          }
        }
      }
    }
  }
}

/** Per-feature match results; null when the matcher takes everything. */
function matchFlags(m: KeyMatcher, keys: readonly string[], n: number): Uint8Array | null {
  if (m.matchesAll) return null;
  const flags = new Uint8Array(n);
  for (let i = 0; i < n; i++) flags[i] = m.matches(keys[i]!) ? 1 : 0;
  return flags;
}

/** Drops features whose weighted value is exactly 0 (NaN stays, as in Jubatus). */
function removeZeros(keys: string[], values: number[]): void {
  let i = values.indexOf(0);
  if (i < 0) return;
  let j = i;
  for (; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0) {
      keys[j] = keys[i]!;
      values[j] = v;
      j++;
    }
  }
  keys.length = j;
  values.length = j;
}
