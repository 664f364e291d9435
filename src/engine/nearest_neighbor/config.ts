/**
 * nearest_neighbor server config (spec §4.2, rules §1.4):
 * `{ method: lsh|minhash|euclid_lsh, parameter: {hash_num, threads?, cache_size?}, converter }`.
 * The converter section is only checked for presence here; the service hands it to the fv
 * converter's own parser so this module stays independent of it.
 */
import { ConfigError } from '../../errors.js';
import { asObject, checkKeys, child, optInt, reqInt, reqString } from '../config-cast.js';

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
  const method = reqString(root, 'method', '');
  if (!(NN_METHODS as readonly string[]).includes(method)) {
    throw new ConfigError('method', `unknown method "${method}" (expected one of ${NN_METHODS.join(', ')})`);
  }
  if (root.parameter === undefined || root.parameter === null) {
    throw new ConfigError('parameter', 'required key is missing (it must hold hash_num)');
  }
  const p = asObject(root.parameter, 'parameter');
  const m = method as NnMethod;
  const allowed = m === 'minhash' ? ['hash_num', 'threads'] : ['hash_num', 'threads', 'cache_size'];
  checkKeys(p, allowed, 'parameter');
  const hashNum = reqInt(p, 'hash_num', 'parameter');
  if (hashNum < 1 || hashNum > INT32_MAX) {
    throw new ConfigError(child('parameter', 'hash_num'), `must be an int32 >= 1, got ${hashNum}`);
  }
  const threads = optInt(p, 'threads', 'parameter') ?? 0;
  if (threads < -INT32_MAX - 1 || threads > INT32_MAX) {
    throw new ConfigError(child('parameter', 'threads'), `must be an int32, got ${threads}`);
  }
  const cacheSize = optInt(p, 'cache_size', 'parameter') ?? 0;
  if (cacheSize < 0 || cacheSize > INT32_MAX) {
    throw new ConfigError(child('parameter', 'cache_size'), `must be an int32 >= 0, got ${cacheSize}`);
  }
  if (root.converter === undefined || root.converter === null) {
    throw new ConfigError('converter', 'required key is missing');
  }
  return { params: { method: m, hashNum, threads, cacheSize }, converter: root.converter };
}
