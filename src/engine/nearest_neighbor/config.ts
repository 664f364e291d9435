/**
 * nearest_neighbor server config (spec §4.2, rules §1.4):
 * `{ method: lsh|minhash|euclid_lsh, parameter: {hash_num, threads?, cache_size?}, converter }`.
 * The converter section is only checked for presence here; the service hands it to the fv
 * converter's own parser so this module stays independent of it.
 */
import { ConfigError } from '../../errors.js';
import { asObject, checkKeys, child, optInt, reqInt, reqString, type JsonObject } from '../config-cast.js';

export type NnMethod = 'lsh' | 'minhash' | 'euclid_lsh';

export const NN_METHODS: readonly NnMethod[] = ['lsh', 'minhash', 'euclid_lsh'];

export interface NnParams {
  method: NnMethod;
  /** Signature bits H. */
  hashNum: number;
  /** Accepted for compatibility; the scan is single-threaded (results equal threads ≤ 1). */
  threads: number;
  /** LRU size of per-key projections; 0 = not configured (an internal cache is used). lsh/euclid_lsh. */
  cacheSize: number;
}

export interface NnConfig {
  params: NnParams;
  /** The raw `converter` section, for `parseConverterConfig(…, 'converter')`. */
  converter: unknown;
}

const INT32_MAX = 2147483647;

export function parseNnConfig(json: unknown): NnConfig {
  const root = asObject(json, '');
  checkKeys(root, ['method', 'parameter', 'converter'], '');
  const params = parseNnParams(root, '');
  if (root.converter === undefined || root.converter === null) {
    throw new ConfigError('converter', 'required key is missing');
  }
  return { params, converter: root.converter };
}

/**
 * `method` and `parameter` of an object at `path`: the nearest_neighbor server's top level, or the
 * `parameter` block of the NN classifier and regression (keys then read `parameter.method`, …).
 */
export function parseNnParams(obj: JsonObject, path: string): NnParams {
  const method = reqString(obj, 'method', path);
  if (!(NN_METHODS as readonly string[]).includes(method)) {
    throw new ConfigError(child(path, 'method'), `unknown method "${method}" (expected one of ${NN_METHODS.join(', ')})`);
  }
  const ppath = child(path, 'parameter');
  if (obj.parameter === undefined || obj.parameter === null) {
    throw new ConfigError(ppath, 'required key is missing (it must hold hash_num)');
  }
  const p = asObject(obj.parameter, ppath);
  const m = method as NnMethod;
  const allowed = m === 'minhash' ? ['hash_num', 'threads'] : ['hash_num', 'threads', 'cache_size'];
  checkKeys(p, allowed, ppath);
  const hashNum = reqInt(p, 'hash_num', ppath);
  if (hashNum < 1 || hashNum > INT32_MAX) {
    throw new ConfigError(child(ppath, 'hash_num'), `must be an int32 >= 1, got ${hashNum}`);
  }
  const threads = optInt(p, 'threads', ppath) ?? 0;
  if (threads < -INT32_MAX - 1 || threads > INT32_MAX) {
    throw new ConfigError(child(ppath, 'threads'), `must be an int32, got ${threads}`);
  }
  const cacheSize = optInt(p, 'cache_size', ppath) ?? 0;
  if (cacheSize < 0 || cacheSize > INT32_MAX) {
    throw new ConfigError(child(ppath, 'cache_size'), `must be an int32 >= 0, got ${cacheSize}`);
  }
  return { method: m, hashNum, threads, cacheSize };
}
