/**
 * The clustering server config (srv clustering_serv.cpp; core clustering_method_factory.cpp,
 * storage_factory.cpp): `{method, parameter, compressor_method, compressor_parameter,
 * distance?, converter}`, checked with Jubatus's rules and its parameter bounds. A malformed
 * config names the offending key.
 */
import { ConfigError } from '../../errors.js';
import {
  asNumber, asObject, checkKeys, child, optString, reqInt, reqString, type JsonObject,
} from '../config-cast.js';
import { parseConverterConfig, type ConverterConfig } from '../fv/config.js';
import type { DistanceName } from './points.js';
import type { CompressiveParams } from './storage.js';

export type MethodParams =
  | { method: 'kmeans'; k: number; seed: number }
  | { method: 'gmm'; k: number; seed: number }
  | { method: 'dbscan'; eps: number; minCorePoint: number };

export type CompressorParams =
  | { method: 'simple'; bucketSize: number }
  | ({ method: 'compressive'; seed: number } & CompressiveParams);

export interface ClusteringConfig {
  method: MethodParams;
  compressor: CompressorParams;
  distance: DistanceName;
  converter: ConverterConfig;
}

const METHODS = ['kmeans', 'gmm', 'dbscan'];

function section(root: JsonObject, key: string): JsonObject {
  if (root[key] === undefined || root[key] === null) throw new ConfigError(key, 'required key is missing');
  return asObject(root[key], key);
}

function reqNumber(obj: JsonObject, key: string, path: string): number {
  if (obj[key] === undefined || obj[key] === null) throw new ConfigError(child(path, key), 'required key is missing');
  return asNumber(obj[key], child(path, key));
}

function check(ok: boolean, path: string, rule: string): void {
  if (!ok) throw new ConfigError(path, `invalid parameter (${rule})`);
}

function parseMethod(method: string, p: JsonObject): MethodParams {
  if (method === 'dbscan') {
    checkKeys(p, ['eps', 'min_core_point', 'distance'], 'parameter');
    const eps = reqNumber(p, 'eps', 'parameter');
    const minCorePoint = reqInt(p, 'min_core_point', 'parameter');
    optString(p, 'distance', 'parameter');
    check(eps > 0, 'parameter.eps', '0 < eps');
    check(minCorePoint >= 1, 'parameter.min_core_point', '0 < min_core_point');
    return { method, eps, minCorePoint };
  }
  checkKeys(p, ['k', 'seed'], 'parameter');
  const k = reqInt(p, 'k', 'parameter');
  const seed = reqInt(p, 'seed', 'parameter');
  check(k >= 1, 'parameter.k', '1 <= k');
  return { method: method as 'kmeans' | 'gmm', k, seed };
}

function parseCompressor(method: string, compressor: string, p: JsonObject): CompressorParams {
  const path = 'compressor_parameter';
  if (compressor === 'simple') {
    checkKeys(p, ['bucket_size'], path);
    const bucketSize = reqInt(p, 'bucket_size', path);
    check(bucketSize >= 2, `${path}.bucket_size`, '2 <= bucket_size');
    return { method: 'simple', bucketSize };
  }
  if (compressor !== 'compressive' || method === 'dbscan') {
    throw new ConfigError('compressor_method', `unsupported method (${compressor}): ${method} takes ${method === 'dbscan' ? 'simple' : 'simple or compressive'}`);
  }
  const keys = ['bucket_size', 'bucket_length', 'compressed_bucket_size', 'bicriteria_base_size', 'forgetting_factor', 'forgetting_threshold', 'seed'];
  checkKeys(p, keys, path);
  const c = {
    method: 'compressive' as const,
    bucketSize: reqInt(p, 'bucket_size', path),
    bucketLength: reqInt(p, 'bucket_length', path),
    compressedBucketSize: reqInt(p, 'compressed_bucket_size', path),
    bicriteriaBaseSize: reqInt(p, 'bicriteria_base_size', path),
    forgettingFactor: reqNumber(p, 'forgetting_factor', path),
    forgettingThreshold: reqNumber(p, 'forgetting_threshold', path),
    seed: reqInt(p, 'seed', path),
  };
  check(c.bucketSize >= 1, `${path}.bucket_size`, '1 <= bucket_size');
  check(c.bucketLength >= 2, `${path}.bucket_length`, '2 <= bucket_length');
  check(c.bicriteriaBaseSize >= 1 && c.bicriteriaBaseSize <= c.compressedBucketSize, `${path}.bicriteria_base_size`,
    '1 <= bicriteria_base_size <= compressed_bucket_size');
  check(c.compressedBucketSize <= c.bucketSize, `${path}.compressed_bucket_size`, 'compressed_bucket_size <= bucket_size');
  check(c.forgettingFactor >= 0, `${path}.forgetting_factor`, '0.0 <= forgetting_factor');
  check(c.forgettingThreshold >= 0 && c.forgettingThreshold <= 1, `${path}.forgetting_threshold`, '0.0 <= forgetting_threshold <= 1.0');
  return c;
}

export function parseClusteringConfig(config: unknown): ClusteringConfig {
  const root = asObject(config, '');
  checkKeys(root, ['method', 'parameter', 'compressor_method', 'compressor_parameter', 'distance', 'converter'], '');
  const method = reqString(root, 'method', '');
  if (!METHODS.includes(method)) {
    throw new ConfigError('method', `unsupported method (${method}): expected one of ${METHODS.join(', ')}`);
  }
  const compressorMethod = reqString(root, 'compressor_method', '');
  const distance = optString(root, 'distance', '') ?? 'euclidean';
  // gmm never reads the distance (1.1.1 accepts any string there)
  if (method !== 'gmm' && distance !== 'euclidean' && distance !== 'cosine') {
    throw new ConfigError('distance', "invalid parameter (distance should be 'euclidean' or 'cosine')");
  }
  const m = parseMethod(method, section(root, 'parameter'));
  const compressor = parseCompressor(method, compressorMethod, section(root, 'compressor_parameter'));
  if (root.converter === undefined || root.converter === null) throw new ConfigError('converter', 'required key is missing');
  return {
    method: m,
    compressor,
    distance: distance === 'cosine' ? 'cosine' : 'euclidean',
    converter: parseConverterConfig(root.converter, 'converter'),
  };
}
