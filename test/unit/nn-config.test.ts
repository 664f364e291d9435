import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseNnConfig } from '../../src/engine/nearest_neighbor/config.js';

const conv = { num_rules: [{ key: '*', type: 'num' }] };
const cfg = (method: string, parameter: unknown, extra: Record<string, unknown> = {}) => ({ method, parameter, converter: conv, ...extra });

function configError(json: unknown): ConfigError {
  try {
    parseNnConfig(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('nearest_neighbor config (spec §4.2, §1.4)', () => {
  it('parses each method with defaults', () => {
    expect(parseNnConfig(cfg('lsh', { hash_num: 64 })).params).toEqual({ method: 'lsh', hashNum: 64, threads: 0, cacheSize: 0 });
    expect(parseNnConfig(cfg('euclid_lsh', { hash_num: 8, threads: -1, cache_size: 100 })).params).toEqual({ method: 'euclid_lsh', hashNum: 8, threads: -1, cacheSize: 100 });
    expect(parseNnConfig(cfg('minhash', { hash_num: 1, threads: 2 })).params.method).toBe('minhash');
    expect(parseNnConfig(cfg('lsh', { hash_num: 64, threads: null, cache_size: null })).params.cacheSize).toBe(0);
    expect(parseNnConfig(cfg('lsh', { hash_num: 64 })).converter).toBe(conv);
  });

  it('rejects unknown keys with their path (old hands-on parameters)', () => {
    const e = configError(cfg('euclid_lsh', { hash_num: 64, table_num: 4 }));
    expect(e.path).toBe('parameter.table_num');
    expect(e.message).toMatch(/^parameter\.table_num: unknown key/);
    expect(configError(cfg('lsh', { hash_num: 64 }, { unlearner: 'lru' })).path).toBe('unlearner');
    expect(configError(cfg('minhash', { hash_num: 64, cache_size: 10 })).path).toBe('parameter.cache_size');
  });

  it('requires hash_num, parameter and converter', () => {
    expect(configError(cfg('lsh', {})).path).toBe('parameter.hash_num');
    expect(configError(cfg('lsh', {})).message).toMatch(/required/);
    expect(configError({ method: 'lsh', converter: conv }).path).toBe('parameter');
    expect(configError({ method: 'lsh', parameter: { hash_num: 64 } }).path).toBe('converter');
    expect(configError({ parameter: { hash_num: 64 }, converter: conv }).path).toBe('method');
  });

  it('checks types and ranges', () => {
    expect(configError(cfg('lsh', { hash_num: '64' })).message).toMatch(/^parameter\.hash_num: expected an integer, got string/);
    expect(configError(cfg('lsh', { hash_num: 64.5 })).path).toBe('parameter.hash_num');
    expect(configError(cfg('lsh', { hash_num: 0 })).message).toMatch(/>= 1/);
    expect(configError(cfg('lsh', { hash_num: 2 ** 31 })).path).toBe('parameter.hash_num');
    expect(configError(cfg('lsh', { hash_num: 64, cache_size: -1 })).path).toBe('parameter.cache_size');
    expect(configError(cfg('lsh', { hash_num: 64, threads: true })).path).toBe('parameter.threads');
    expect(configError(cfg('lsh', [])).path).toBe('parameter');
    expect(configError(cfg('lsh_forest', { hash_num: 64 })).path).toBe('method');
    expect(configError({ method: 3, parameter: { hash_num: 64 }, converter: conv }).path).toBe('method');
    expect(configError('nope').message).toMatch(/expected an object/);
  });
});
