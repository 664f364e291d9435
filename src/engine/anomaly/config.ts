/**
 * anomaly server config (engine spec §9, rules §1.4):
 * `{ method: lof|light_lof, parameter: {nearest_neighbor_num, reverse_nearest_neighbor_num,
 * ignore_kth_same_point?, method, parameter, unlearner?, unlearner_parameter?}, converter }`.
 * `light_lof` runs over a nearest_neighbor method (lsh, minhash, euclid_lsh), `lof` over a
 * recommender method. Every error names the key.
 */
import { ConfigError } from '../../errors.js';
import { asObject, checkKeys, child, optBool, reqInt, type JsonObject } from '../config-cast.js';
import { parseUnlearnerConfig, type UnlearnerConfig } from '../common/unlearner.js';
import { parseNnParams, type NnParams } from '../nearest_neighbor/config.js';

export type AnomalyMethod = 'lof' | 'light_lof';
export const ANOMALY_METHODS: readonly AnomalyMethod[] = ['lof', 'light_lof'];

/** The LOF parameters both methods share (1.1.1's lof_storage::config / light_lof::config). */
export interface LofParams {
  /** k of k-NN, ≥ 2. */
  k: number;
  /** How many neighbours stand in for the reverse k-NN on an update, ≥ k. */
  reverseK: number;
  ignoreKthSamePoint: boolean;
}

export interface LightLofConfig {
  method: 'light_lof';
  lof: LofParams;
  nn: NnParams;
  unlearner?: UnlearnerConfig;
}

export interface LofConfig {
  method: 'lof';
  lof: LofParams;
  /** The recommender method and its raw `parameter` block (the recommender parses it). */
  recommender: { method: string; parameter: unknown };
  unlearner?: UnlearnerConfig;
}

export interface AnomalyConfig {
  params: LightLofConfig | LofConfig;
  /** The raw `converter` section, for `parseConverterConfig(…, 'converter')`. */
  converter: unknown;
}

const INT32_MAX = 2147483647;
const P = 'parameter';

function readInt32(obj: JsonObject, key: string, path: string): number {
  const n = reqInt(obj, key, path);
  if (n > INT32_MAX || n < -INT32_MAX - 1) throw new ConfigError(child(path, key), `must be an int32, got ${n}`);
  return n;
}

function parseLofParams(p: JsonObject): LofParams {
  const k = readInt32(p, 'nearest_neighbor_num', P);
  const reverseK = readInt32(p, 'reverse_nearest_neighbor_num', P);
  const ignoreKthSamePoint = optBool(p, 'ignore_kth_same_point', P) ?? false;
  // 1.1.1 checks these when it builds the method, after the keys (invalid_parameter).
  if (!(k >= 2)) throw new ConfigError(child(P, 'nearest_neighbor_num'), `2 <= nearest_neighbor_num (got ${k})`);
  if (!(k <= reverseK)) {
    throw new ConfigError(child(P, 'reverse_nearest_neighbor_num'), `nearest_neighbor_num <= reverse_nearest_neighbor_num (got ${k} > ${reverseK})`);
  }
  return { k, reverseK, ignoreKthSamePoint };
}

export function parseAnomalyConfig(json: unknown): AnomalyConfig {
  const root = asObject(json, '');
  checkKeys(root, ['method', 'parameter', 'converter'], '');
  const methodValue = root.method;
  if (methodValue === undefined || methodValue === null) throw new ConfigError('method', 'required key is missing');
  if (typeof methodValue !== 'string') throw new ConfigError('method', 'expected a string');
  if (!(ANOMALY_METHODS as readonly string[]).includes(methodValue)) {
    throw new ConfigError('method', `unsupported method (${methodValue}): expected one of ${ANOMALY_METHODS.join(', ')}`);
  }
  const method = methodValue as AnomalyMethod;
  if (root.parameter === undefined || root.parameter === null) throw new ConfigError(P, 'required key is missing');
  const p = asObject(root.parameter, P);
  checkKeys(p, [
    'nearest_neighbor_num', 'reverse_nearest_neighbor_num', 'ignore_kth_same_point', 'method', 'parameter', 'unlearner', 'unlearner_parameter',
  ], P);
  if (root.converter === undefined || root.converter === null) throw new ConfigError('converter', 'required key is missing');
  const lof = parseLofParams(p);
  const unlearner = parseUnlearnerConfig(p, P);
  if (method === 'light_lof') {
    const nn = parseNnParams(p, P);
    return { params: { method, lof, nn, ...(unlearner ? { unlearner } : {}) }, converter: root.converter };
  }
  const rmethod = p.method;
  if (rmethod === undefined || rmethod === null) throw new ConfigError(child(P, 'method'), 'required key is missing');
  if (typeof rmethod !== 'string') throw new ConfigError(child(P, 'method'), 'expected a string');
  if (p.parameter === undefined) throw new ConfigError(child(P, 'parameter'), 'required key is missing');
  return {
    params: { method, lof, recommender: { method: rmethod, parameter: p.parameter }, ...(unlearner ? { unlearner } : {}) },
    converter: root.converter,
  };
}
