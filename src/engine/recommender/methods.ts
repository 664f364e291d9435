/**
 * The recommender's methods by config name (engine spec §8.2, 1.1.1's recommender_factory):
 * each reads its `parameter` (keys checked, errors name the key under `path`: `parameter`, or
 * `parameter.parameter` under anomaly's lof) and builds a driver. The row
 * unlearner keys (`unlearner`, `unlearner_parameter`, §16) are read here for every method.
 */
import { ConfigError } from '../../errors.js';
import { asObject, checkKeys, child, optBool, optInt, reqInt, type JsonObject } from '../config-cast.js';
import type { UnlearnerConfig } from '../common/unlearner.js';
import { parseUnlearnerConfig } from '../common/unlearner.js';
import type { RowUnlearner } from '../inverted_index/diff.js';
import { parseNnParams } from '../nearest_neighbor/config.js';
import { BitRecommender } from './bits.js';
import type { DriverContext, RecommenderDriver } from './driver.js';
import { EuclidLshRecommender } from './euclid-lsh.js';
import { InvertedRecommender } from './inverted.js';
import { NnRecommender } from './nn.js';

export interface MethodContext extends DriverContext {
  unlearner: () => RowUnlearner | undefined;
}

export interface ParsedMethod {
  make: (ctx: MethodContext) => RecommenderDriver;
  unlearner?: UnlearnerConfig;
}

const INT32_MAX = 2147483647;
const UNLEARNER_KEYS = ['unlearner', 'unlearner_parameter'];

function params(parameter: unknown, required: boolean, path: string): JsonObject {
  if (parameter === undefined || parameter === null) {
    if (required) throw new ConfigError(path, 'parameter block is not specified in config');
    return {};
  }
  return asObject(parameter, path);
}

function unlearnerOf(p: JsonObject, path: string): UnlearnerConfig | undefined {
  const u = parseUnlearnerConfig(p, path);
  if (!u && p.unlearner_parameter !== undefined && p.unlearner_parameter !== null) {
    throw new ConfigError(child(path, 'unlearner_parameter'), 'unlearner_parameter is set but unlearner is not found');
  }
  return u;
}

function int32(p: JsonObject, key: string, min: number, path: string, required = true): number | undefined {
  const v = required ? reqInt(p, key, path) : optInt(p, key, path);
  if (v === undefined) return undefined;
  if (v > INT32_MAX || v < -INT32_MAX - 1) throw new ConfigError(child(path, key), `must be an int32, got ${v}`);
  if (v < min) throw new ConfigError(child(path, key), `${min} <= ${key}`);
  return v;
}

function hashNum(p: JsonObject, path: string): number {
  return int32(p, 'hash_num', 1, path)!;
}

export const RECOMMENDER_METHODS: Readonly<Record<string, (parameter: unknown, path?: string) => ParsedMethod>> = {
  inverted_index(parameter, path = 'parameter') {
    const p = params(parameter, false, path);
    checkKeys(p, UNLEARNER_KEYS, path);
    return { unlearner: unlearnerOf(p, path), make: (ctx) => new InvertedRecommender('cosine', false, ctx.orig, ctx.unlearner) };
  },
  inverted_index_euclid(parameter, path = 'parameter') {
    const p = params(parameter, false, path);
    checkKeys(p, ['ignore_orthogonal', ...UNLEARNER_KEYS], path);
    const ignore = optBool(p, 'ignore_orthogonal', path) ?? false;
    return { unlearner: unlearnerOf(p, path), make: (ctx) => new InvertedRecommender('euclid', ignore, ctx.orig, ctx.unlearner) };
  },
  lsh(parameter, path = 'parameter') {
    const p = params(parameter, true, path);
    checkKeys(p, ['hash_num', 'threads', 'cache_size', ...UNLEARNER_KEYS], path);
    const h = hashNum(p, path);
    int32(p, 'threads', -INT32_MAX - 1, path, false);
    const cache = int32(p, 'cache_size', 0, path, false) ?? 0;
    return { unlearner: unlearnerOf(p, path), make: (ctx) => new BitRecommender('lsh', h, cache, ctx.unlearner) };
  },
  minhash(parameter, path = 'parameter') {
    const p = params(parameter, true, path);
    checkKeys(p, ['hash_num', ...UNLEARNER_KEYS], path);
    const h = hashNum(p, path);
    return { unlearner: unlearnerOf(p, path), make: (ctx) => new BitRecommender('minhash', h, 0, ctx.unlearner) };
  },
  euclid_lsh(parameter, path = 'parameter') {
    const p = params(parameter, true, path);
    checkKeys(p, ['hash_num', 'table_num', 'bin_width', 'probe_num', 'seed', 'threads', 'cache_size', ...UNLEARNER_KEYS], path);
    const h = hashNum(p, path);
    const tables = int32(p, 'table_num', 1, path)!;
    if (typeof p.bin_width !== 'number') throw new ConfigError(child(path, 'bin_width'), 'required number is missing');
    const binWidth = Math.fround(p.bin_width);
    if (!(binWidth > 0)) throw new ConfigError(child(path, 'bin_width'), '0.0 < bin_width');
    const probes = int32(p, 'probe_num', 0, path)!;
    const seed = int32(p, 'seed', 0, path)!;
    int32(p, 'threads', -INT32_MAX - 1, path, false);
    const cache = int32(p, 'cache_size', 0, path, false) ?? 0;
    return {
      unlearner: unlearnerOf(p, path),
      make: (ctx) => new EuclidLshRecommender({ hashNum: h, tableNum: tables, binWidth, probeNum: probes, seed, cacheSize: cache }, ctx.unlearner),
    };
  },
  nearest_neighbor_recommender(parameter, path = 'parameter') {
    const p = params(parameter, true, path);
    checkKeys(p, ['method', 'parameter', ...UNLEARNER_KEYS], path);
    const nn = parseNnParams(p, path);
    return { unlearner: unlearnerOf(p, path), make: (ctx) => new NnRecommender(nn, ctx.options.owner, ctx.unlearner) };
  },
};
