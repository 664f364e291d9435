/**
 * The recommender's methods by config name (engine spec §8.2, 1.1.1's recommender_factory):
 * each reads its `parameter` (keys checked, errors name the key) and builds a driver. The row
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

function params(parameter: unknown, required: boolean): JsonObject {
  if (parameter === undefined || parameter === null) {
    if (required) throw new ConfigError('parameter', 'parameter block is not specified in config');
    return {};
  }
  return asObject(parameter, 'parameter');
}

function unlearnerOf(p: JsonObject): UnlearnerConfig | undefined {
  const u = parseUnlearnerConfig(p, 'parameter');
  if (!u && p.unlearner_parameter !== undefined && p.unlearner_parameter !== null) {
    throw new ConfigError(child('parameter', 'unlearner_parameter'), 'unlearner_parameter is set but unlearner is not found');
  }
  return u;
}

function int32(p: JsonObject, key: string, min: number, required = true): number | undefined {
  const v = required ? reqInt(p, key, 'parameter') : optInt(p, key, 'parameter');
  if (v === undefined) return undefined;
  if (v > INT32_MAX || v < -INT32_MAX - 1) throw new ConfigError(child('parameter', key), `must be an int32, got ${v}`);
  if (v < min) throw new ConfigError(child('parameter', key), `${min} <= ${key}`);
  return v;
}

function hashNum(p: JsonObject): number {
  return int32(p, 'hash_num', 1)!;
}

export const RECOMMENDER_METHODS: Readonly<Record<string, (parameter: unknown) => ParsedMethod>> = {
  inverted_index(parameter) {
    const p = params(parameter, false);
    checkKeys(p, UNLEARNER_KEYS, 'parameter');
    return { unlearner: unlearnerOf(p), make: (ctx) => new InvertedRecommender('cosine', false, ctx.orig, ctx.unlearner) };
  },
  inverted_index_euclid(parameter) {
    const p = params(parameter, false);
    checkKeys(p, ['ignore_orthogonal', ...UNLEARNER_KEYS], 'parameter');
    const ignore = optBool(p, 'ignore_orthogonal', 'parameter') ?? false;
    return { unlearner: unlearnerOf(p), make: (ctx) => new InvertedRecommender('euclid', ignore, ctx.orig, ctx.unlearner) };
  },
  lsh(parameter) {
    const p = params(parameter, true);
    checkKeys(p, ['hash_num', 'threads', 'cache_size', ...UNLEARNER_KEYS], 'parameter');
    const h = hashNum(p);
    int32(p, 'threads', -INT32_MAX - 1, false);
    const cache = int32(p, 'cache_size', 0, false) ?? 0;
    return { unlearner: unlearnerOf(p), make: (ctx) => new BitRecommender('lsh', h, cache, ctx.unlearner) };
  },
  minhash(parameter) {
    const p = params(parameter, true);
    checkKeys(p, ['hash_num', ...UNLEARNER_KEYS], 'parameter');
    const h = hashNum(p);
    return { unlearner: unlearnerOf(p), make: (ctx) => new BitRecommender('minhash', h, 0, ctx.unlearner) };
  },
  euclid_lsh(parameter) {
    const p = params(parameter, true);
    checkKeys(p, ['hash_num', 'table_num', 'bin_width', 'probe_num', 'seed', 'threads', 'cache_size', ...UNLEARNER_KEYS], 'parameter');
    const h = hashNum(p);
    const tables = int32(p, 'table_num', 1)!;
    if (typeof p.bin_width !== 'number') throw new ConfigError(child('parameter', 'bin_width'), 'required number is missing');
    const binWidth = Math.fround(p.bin_width);
    if (!(binWidth > 0)) throw new ConfigError(child('parameter', 'bin_width'), '0.0 < bin_width');
    const probes = int32(p, 'probe_num', 0)!;
    const seed = int32(p, 'seed', 0)!;
    int32(p, 'threads', -INT32_MAX - 1, false);
    const cache = int32(p, 'cache_size', 0, false) ?? 0;
    return {
      unlearner: unlearnerOf(p),
      make: (ctx) => new EuclidLshRecommender({ hashNum: h, tableNum: tables, binWidth, probeNum: probes, seed, cacheSize: cache }, ctx.unlearner),
    };
  },
  nearest_neighbor_recommender(parameter) {
    const p = params(parameter, true);
    checkKeys(p, ['method', 'parameter', ...UNLEARNER_KEYS], 'parameter');
    const nn = parseNnParams(p, 'parameter');
    return { unlearner: unlearnerOf(p), make: (ctx) => new NnRecommender(nn, ctx.options.owner, ctx.unlearner) };
  },
};
