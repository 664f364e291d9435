/**
 * The converter section of an engine config (spec §2.1), validated up front so that a server
 * refuses a bad config at start-up the way Jubatus does, with the offending key's path.
 * Plugins (`method: "dynamic"`) cannot exist here, so num/binary/combination types can only
 * be the built-ins, and no binary rule can ever be valid.
 */
import { ConfigError } from '../../errors.js';
import {
  asArray,
  asInt,
  asObject,
  asStringMap,
  checkKeys,
  child,
  optString,
  reqString,
  type JsonObject,
} from '../config-cast.js';
import { KeyMatcher } from './key-matcher.js';
import { createSplitter } from './string-features.js';
import { createStringFilter } from './filters.js';

export type SampleWeight = 'bin' | 'tf' | 'log_tf';
export type GlobalWeight = 'bin' | 'idf' | 'idf1' | 'bm25' | 'weight';
export type NumFeatureType = 'num' | 'log' | 'str';
export type CombinationType = 'add' | 'mul';

export type SplitterSpec =
  | { method: 'str' }
  | { method: 'space' }
  | { method: 'ngram'; charNum: number }
  | { method: 'regexp'; pattern: string; group: number }
  | { method: 'split'; separators: string };

export interface StringFilterSpec {
  method: 'regexp';
  pattern: string;
  replace: string;
}

export type NumFilterSpec =
  | { method: 'add'; value: number }
  | { method: 'linear_normalization'; min: number; max: number; truncate: boolean }
  | { method: 'gaussian_normalization'; average: number; standardDeviation: number }
  | { method: 'sigmoid_normalization'; gain: number; bias: number };

/** `except` excludes keys the `key` pattern would otherwise match. */
export interface KeyRule {
  key: string;
  except?: string;
}
export interface StringFilterRule extends KeyRule {
  type: string;
  suffix: string;
  filter: StringFilterSpec;
}
export interface NumFilterRule extends KeyRule {
  type: string;
  suffix: string;
  filter: NumFilterSpec;
}
/** `type` is the name written in the rule (it appears in feature keys); `splitter` what it resolved to. */
export interface StringRule extends KeyRule {
  type: string;
  splitter: SplitterSpec;
  sampleWeight: SampleWeight;
  globalWeight: GlobalWeight;
}
export interface NumRule extends KeyRule {
  type: string;
  feature: NumFeatureType;
}
/** Jubatus parses except_left/except_right but never applies them; kept for get_config fidelity. */
export interface CombinationRule {
  keyLeft: string;
  keyRight: string;
  exceptLeft?: string;
  exceptRight?: string;
  type: string;
  feature: CombinationType;
}

export interface ConverterConfig {
  readonly stringFilterRules: readonly StringFilterRule[];
  readonly numFilterRules: readonly NumFilterRule[];
  readonly stringRules: readonly StringRule[];
  readonly numRules: readonly NumRule[];
  readonly combinationRules: readonly CombinationRule[];
  readonly hashMaxSize?: number;
}

const TOP_KEYS = [
  'string_filter_types', 'string_filter_rules', 'num_filter_types', 'num_filter_rules',
  'string_types', 'string_rules', 'num_types', 'num_rules', 'binary_types', 'binary_rules',
  'combination_types', 'combination_rules', 'hash_max_size',
] as const;

const SAMPLE_WEIGHTS: readonly string[] = ['bin', 'tf', 'log_tf'];
const GLOBAL_WEIGHTS: readonly string[] = ['bin', 'idf', 'idf1', 'bm25', 'weight'];

export function parseConverterConfig(json: unknown, path = 'converter'): ConverterConfig {
  const obj = asObject(json, path);
  checkKeys(obj, TOP_KEYS, path);

  let hashMaxSize: number | undefined;
  if (present(obj, 'hash_max_size')) {
    hashMaxSize = asInt(obj.hash_max_size, child(path, 'hash_max_size'));
    if (hashMaxSize <= 0) {
      throw new ConfigError(child(path, 'hash_max_size'), `must be positive, but is ${hashMaxSize}`);
    }
  }

  const stringFilters = new Map<string, StringFilterSpec>();
  for (const [name, params, p] of typeEntries(obj, 'string_filter_types', path)) {
    stringFilters.set(name, parseStringFilterType(params, p));
  }
  const numFilters = new Map<string, NumFilterSpec>();
  for (const [name, params, p] of typeEntries(obj, 'num_filter_types', path)) {
    numFilters.set(name, parseNumFilterType(params, p));
  }
  const splitters = new Map<string, SplitterSpec>([['str', { method: 'str' }], ['space', { method: 'space' }]]);
  for (const [name, params, p] of typeEntries(obj, 'string_types', path)) {
    splitters.set(name, parseStringType(params, p));
  }
  const numTypes = new Map<string, NumFeatureType>([['num', 'num'], ['log', 'log'], ['str', 'str']]);
  for (const [, params, p] of typeEntries(obj, 'num_types', path)) rejectType(params, p, 'num feature');
  for (const [, params, p] of typeEntries(obj, 'binary_types', path)) rejectType(params, p, 'binary feature');
  const combinationTypes = new Map<string, CombinationType>([['add', 'add'], ['mul', 'mul']]);
  for (const [, params, p] of typeEntries(obj, 'combination_types', path)) rejectType(params, p, 'combination feature');

  const stringFilterRules = ruleEntries(obj, 'string_filter_rules', path, FILTER_RULE_KEYS).map(([r, p]): StringFilterRule => {
    const base = keyRule(r, p);
    const [type, filter] = lookup(stringFilters, reqString(r, 'type', p), p, 'string filter');
    return { ...base, type, suffix: reqString(r, 'suffix', p), filter };
  });

  const numFilterRules = ruleEntries(obj, 'num_filter_rules', path, FILTER_RULE_KEYS).map(([r, p]): NumFilterRule => {
    const base = keyRule(r, p);
    const [type, filter] = lookup(numFilters, reqString(r, 'type', p), p, 'num filter');
    return { ...base, type, suffix: reqString(r, 'suffix', p), filter };
  });

  const stringRules = ruleEntries(obj, 'string_rules', path, STRING_RULE_KEYS).map(([r, p]): StringRule => {
    const base = keyRule(r, p);
    const [type, splitter] = lookup(splitters, reqString(r, 'type', p), p, 'string');
    return {
      ...base,
      type,
      splitter,
      sampleWeight: oneOf(reqString(r, 'sample_weight', p), SAMPLE_WEIGHTS, child(p, 'sample_weight'), 'sample weight') as SampleWeight,
      globalWeight: oneOf(reqString(r, 'global_weight', p), GLOBAL_WEIGHTS, child(p, 'global_weight'), 'global weight') as GlobalWeight,
    };
  });

  const numRules = ruleEntries(obj, 'num_rules', path, NUM_RULE_KEYS).map(([r, p]): NumRule => {
    const base = keyRule(r, p);
    const [type, feature] = lookup(numTypes, reqString(r, 'type', p), p, 'num');
    return { ...base, type, feature };
  });

  for (const [r, p] of ruleEntries(obj, 'binary_rules', path, NUM_RULE_KEYS)) {
    reqString(r, 'key', p);
    optString(r, 'except', p);
    const type = reqString(r, 'type', p);
    throw new ConfigError(child(p, 'type'), `unknown binary type "${type}" (binary features need plugins, which juba does not support)`);
  }

  const combinationRules = ruleEntries(obj, 'combination_rules', path, COMBINATION_RULE_KEYS).map(([r, p]): CombinationRule => {
    const keyLeft = reqString(r, 'key_left', p);
    const keyRight = reqString(r, 'key_right', p);
    KeyMatcher.compile(keyLeft, child(p, 'key_left'));
    KeyMatcher.compile(keyRight, child(p, 'key_right'));
    const exceptLeft = optString(r, 'except_left', p);
    const exceptRight = optString(r, 'except_right', p);
    const [type, feature] = lookup(combinationTypes, reqString(r, 'type', p), p, 'combination');
    return {
      keyLeft, keyRight, type, feature,
      ...(exceptLeft === undefined ? {} : { exceptLeft }),
      ...(exceptRight === undefined ? {} : { exceptRight }),
    };
  });

  return {
    stringFilterRules, numFilterRules, stringRules, numRules, combinationRules,
    ...(hashMaxSize === undefined ? {} : { hashMaxSize }),
  };
}

const FILTER_RULE_KEYS = ['key', 'except', 'type', 'suffix'] as const;
const STRING_RULE_KEYS = ['key', 'except', 'type', 'sample_weight', 'global_weight'] as const;
const NUM_RULE_KEYS = ['key', 'except', 'type'] as const;
const COMBINATION_RULE_KEYS = ['key_left', 'key_right', 'except_left', 'except_right', 'type'] as const;

function present(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== null;
}

/** Entries of a `*_types` map: name, string params, and the entry's path. */
function typeEntries(obj: JsonObject, key: string, path: string): Array<[string, Record<string, string>, string]> {
  if (!present(obj, key)) return [];
  const p = child(path, key);
  return Object.entries(asObject(obj[key], p)).map(([name, v]) => {
    const ep = child(p, name);
    return [name, asStringMap(v, ep), ep];
  });
}

function ruleEntries(obj: JsonObject, key: string, path: string, allowed: readonly string[]): Array<[JsonObject, string]> {
  if (!present(obj, key)) return [];
  const p = child(path, key);
  return asArray(obj[key], p).map((v, i) => {
    const ep = child(p, i);
    const r = asObject(v, ep);
    checkKeys(r, allowed, ep);
    return [r, ep];
  });
}

function keyRule(r: JsonObject, p: string): KeyRule {
  const key = reqString(r, 'key', p);
  const except = optString(r, 'except', p);
  KeyMatcher.forRule(key, except, child(p, 'key'), child(p, 'except'));
  return except === undefined ? { key } : { key, except };
}

function lookup<T>(types: Map<string, T>, name: string, rulePath: string, what: string): [string, T] {
  const t = types.get(name);
  if (t === undefined) {
    throw new ConfigError(child(rulePath, 'type'), `unknown ${what} type "${name}" (known: ${[...types.keys()].join(', ') || 'none'})`);
  }
  return [name, t];
}

function oneOf(v: string, allowed: readonly string[], path: string, what: string): string {
  if (!allowed.includes(v)) throw new ConfigError(path, `unknown ${what} "${v}" (expected one of: ${allowed.join(', ')})`);
  return v;
}

function method(params: Record<string, string>, p: string): string {
  const m = params.method;
  if (m === undefined) throw new ConfigError(child(p, 'method'), 'required key is missing');
  if (m === 'dynamic') {
    throw new ConfigError(child(p, 'method'), 'plugins ("dynamic" methods) are not supported by juba');
  }
  return m;
}

function param(params: Record<string, string>, key: string, p: string): string {
  const v = params[key];
  if (v === undefined) throw new ConfigError(child(p, key), 'required parameter is missing');
  return v;
}

/** Jubatus parses numeric parameters from strings with lexical_cast. */
function intParam(params: Record<string, string>, key: string, p: string, dflt?: number): number {
  const s = dflt !== undefined && params[key] === undefined ? undefined : param(params, key, p);
  if (s === undefined) return dflt!;
  const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    throw new ConfigError(child(p, key), `expected an integer (as a string), got "${s}"`);
  }
  return n;
}

function doubleParam(params: Record<string, string>, key: string, p: string, dflt?: number): number {
  const s = dflt !== undefined && params[key] === undefined ? undefined : param(params, key, p);
  if (s === undefined) return dflt!;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new ConfigError(child(p, key), `expected a number (as a string), got "${s}"`);
  }
  return Number(s);
}

function parseStringType(params: Record<string, string>, p: string): SplitterSpec {
  const m = method(params, p);
  let spec: SplitterSpec;
  if (m === 'ngram') {
    const charNum = intParam(params, 'char_num', p);
    if (charNum <= 0) throw new ConfigError(child(p, 'char_num'), `char_num must be a positive integer, got ${charNum}`);
    spec = { method: 'ngram', charNum };
  } else if (m === 'regexp') {
    spec = { method: 'regexp', pattern: param(params, 'pattern', p), group: intParam(params, 'group', p, 0) };
  } else if (m === 'split') {
    spec = { method: 'split', separators: param(params, 'separators', p) };
  } else {
    throw new ConfigError(child(p, 'method'), `unknown string type method "${m}" (expected ngram, regexp or split)`);
  }
  createSplitter(spec, p); // compiles the pattern and checks the group
  return spec;
}

function parseStringFilterType(params: Record<string, string>, p: string): StringFilterSpec {
  const m = method(params, p);
  if (m !== 'regexp') throw new ConfigError(child(p, 'method'), `unknown string filter method "${m}" (expected regexp)`);
  const spec: StringFilterSpec = { method: 'regexp', pattern: param(params, 'pattern', p), replace: param(params, 'replace', p) };
  createStringFilter(spec, p); // compiles the pattern and checks the replacement
  return spec;
}

function parseNumFilterType(params: Record<string, string>, p: string): NumFilterSpec {
  const m = method(params, p);
  switch (m) {
    case 'add':
      return { method: 'add', value: doubleParam(params, 'value', p) };
    case 'linear_normalization': {
      const min = doubleParam(params, 'min', p);
      const max = doubleParam(params, 'max', p);
      if (!(max > min)) throw new ConfigError(child(p, 'max'), `max (${max}) must be greater than min (${min})`);
      return { method: 'linear_normalization', min, max, truncate: (params.truncate ?? 'True') === 'True' };
    }
    case 'gaussian_normalization': {
      const average = doubleParam(params, 'average', p);
      const standardDeviation = doubleParam(params, 'standard_deviation', p);
      if (standardDeviation < 0) {
        throw new ConfigError(child(p, 'standard_deviation'), `must be non-negative, got ${standardDeviation}`);
      }
      return { method: 'gaussian_normalization', average, standardDeviation };
    }
    case 'sigmoid_normalization': {
      const gain = doubleParam(params, 'gain', p, 1);
      if (gain === 0) throw new ConfigError(child(p, 'gain'), 'must not be zero');
      return { method: 'sigmoid_normalization', gain, bias: doubleParam(params, 'bias', p, 0) };
    }
    default:
      throw new ConfigError(
        child(p, 'method'),
        `unknown num filter method "${m}" (expected add, linear_normalization, gaussian_normalization or sigmoid_normalization)`,
      );
  }
}

/** num/binary/combination types only have plugin methods, so any entry is refused. */
function rejectType(params: Record<string, string>, p: string, what: string): never {
  const m = method(params, p);
  throw new ConfigError(child(p, 'method'), `unknown ${what} method "${m}" (only plugins define these, and juba does not support plugins)`);
}
