/** The recommender engine on its own: scores, ties, merge, revert, unlearner, errors, config. */
import { describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import { recommenderFactory, type RecommenderEngine } from '../../src/engine/recommender/service.js';
import { packed } from '../harness/msgpack.js';

const CONVERTER = {
  string_filter_types: {}, string_filter_rules: [], num_filter_types: {}, num_filter_rules: [], string_types: {},
  string_rules: [
    { key: 'body', type: 'space', sample_weight: 'tf', global_weight: 'bin' },
    { key: 'tag', type: 'str', sample_weight: 'bin', global_weight: 'bin' },
  ],
  num_types: {}, num_rules: [{ key: '*', type: 'num' }],
};

function engine(method: string, parameter?: unknown): RecommenderEngine {
  return recommenderFactory.create({ method, ...(parameter === undefined ? {} : { parameter }), converter: CONVERTER }, { owner: '127.0.0.1_9199' }) as RecommenderEngine;
}

function d(strings: Record<string, string>, nums: Record<string, number> = {}): Datum {
  return { stringValues: Object.entries(strings), numValues: Object.entries(nums), binaryValues: [] };
}

describe('recommender inverted_index', () => {
  it('ranks by cosine, self first with exactly 1, and never returns rows sharing nothing', () => {
    const e = engine('inverted_index');
    e.update_row('a', d({ body: 'red apple' }));
    e.update_row('b', d({ body: 'red car' }));
    e.update_row('c', d({ body: 'blue sky' }));
    const r = e.similar_row_from_id('a', 10);
    expect(r.map((p) => p[0])).toEqual(['a', 'b']);
    expect(r[0]![1]).toBe(1);
    expect(r[1]![1]).toBeCloseTo(0.5, 12);
  });

  it('breaks ties by the larger internal row id (later row first)', () => {
    const e = engine('inverted_index');
    e.update_row('x1', d({ body: 'red' }));
    e.update_row('x0', d({ body: 'red' }));
    e.update_row('x2', d({ body: 'red' }));
    expect(e.similar_row_from_datum(d({ body: 'red' }), 3).map((p) => p[0])).toEqual(['x2', 'x0', 'x1']);
  });

  it('update_row merges: given keys replace, others stay; decode_row reverts num and str features', () => {
    const e = engine('inverted_index');
    e.update_row('r', d({ body: 'a b', tag: 'src1' }, { x: 1, y: 2 }));
    e.update_row('r', d({ tag: 'alt' }, { y: 5, w: 3 }));
    expect(e.decode_row('r')).toEqual({ stringValues: [['tag', 'src1'], ['tag', 'alt']], numValues: [['x', 1], ['y', 5], ['w', 3]], binaryValues: [] });
    expect(e.decode_row('nope')).toEqual({ stringValues: [], numValues: [], binaryValues: [] });
    // x² + y² + w² + 2 words + 2 tags = 1 + 25 + 9 + 4
    expect(e.similar_row_from_datum(d({}, { x: 1 }), 1)[0]![1]).toBeCloseTo(1 / Math.sqrt(39), 12);
  });

  it('complete_row averages the similar rows (sorted keys) and clear_row forgets a row', () => {
    const e = engine('inverted_index');
    e.update_row('a', d({ body: 'red' }, { x: 1 }));
    e.update_row('b', d({ body: 'red' }, { x: 3, y: 2 }));
    expect(e.complete_row_from_datum(d({ body: 'red' }))).toEqual({ stringValues: [], numValues: [['x', 2], ['y', 1]], binaryValues: [] });
    expect(e.clear_row('a')).toBe(true);
    expect(e.get_all_rows()).toEqual(['b']);
    expect(e.similar_row_from_id('a', 5)).toEqual([]);
    expect(e.status()).toMatchObject({ clear_row_cnt: '1', update_row_cnt: '2' });
  });

  it('_and_score keeps scores ≥ the threshold; _and_rate takes ceil(rows · rate) and checks the rate', () => {
    const e = engine('inverted_index');
    for (let i = 0; i < 5; i++) e.update_row(`r${i}`, d({ body: i % 2 ? 'red car' : 'red' }));
    const all = e.similar_row_from_datum(d({ body: 'red' }), 10);
    expect(e.similar_row_from_datum_and_score(d({ body: 'red' }), all[2]![1])).toEqual(all.filter((p) => p[1] >= all[2]![1]));
    expect(e.similar_row_from_datum_and_rate(d({ body: 'red' }), 0.3)).toHaveLength(2);
    expect(() => e.similar_row_from_id_and_rate('r0', 0)).toThrow('invalid parameter (expected: 0 < rate <= 1)');
    expect(() => e.similar_row_from_id_and_rate('r0', 1.5)).toThrow('invalid parameter (expected: 0 < rate <= 1)');
  });

  it('calc_similarity and calc_l2norm follow the converted vectors', () => {
    const e = engine('inverted_index');
    expect(e.calc_l2norm(d({}, { x: 3, y: 4 }))).toBe(5);
    expect(e.calc_similarity(d({}, { x: 1 }), d({}, { x: 1, y: 1 }))).toBeCloseTo(Math.SQRT1_2, 15);
    expect(e.calc_similarity(d({}), d({}, { x: 1 }))).toBe(0);
  });
});

describe('recommender inverted_index_euclid', () => {
  it('scores −distance, the row itself −0; ignore_orthogonal drops rows sharing nothing', () => {
    const e = engine('inverted_index_euclid');
    e.update_row('a', d({}, { x: 1 }));
    e.update_row('b', d({}, { y: 2 }));
    const r = e.similar_row_from_id('a', 5);
    expect(r[0]![0]).toBe('a');
    expect(Object.is(r[0]![1], -0)).toBe(true);
    expect(r[1]).toEqual(['b', -Math.sqrt(5)]);
    const o = engine('inverted_index_euclid', { ignore_orthogonal: true });
    o.update_row('a', d({}, { x: 1 }));
    o.update_row('b', d({}, { y: 2 }));
    expect(o.similar_row_from_id('a', 5).map((p) => p[0])).toEqual(['a']);
  });
});

describe('recommender lsh and minhash', () => {
  for (const method of ['lsh', 'minhash']) {
    it(`${method}: equal rows tie at 1, ties go to the lexicographically larger id`, () => {
      const e = engine(method, { hash_num: 64 });
      e.update_row('b', d({ body: 'red apple' }));
      e.update_row('c', d({ body: 'red apple' }));
      e.update_row('a', d({ body: 'red apple' }));
      const r = e.similar_row_from_id('a', 3);
      expect(r).toEqual([['c', 1], ['b', 1], ['a', 1]]);
    });
  }

  it('lsh signs the whole merged row: a merge changes the signature', () => {
    const e = engine('lsh', { hash_num: 64 });
    e.update_row('a', d({}, { x: 1 }));
    e.update_row('b', d({}, { x: 1 }));
    e.update_row('b', d({}, { y: 1 }));
    // {x:1} vs {x:1,y:1}: 13 of 64 bits differ (engine spec §4.6).
    expect(e.similar_row_from_id('a', 2)[1]).toEqual(['b', 51 / 64]);
  });
});

describe('recommender row unlearner', () => {
  it('lru forgets the least recently touched row; sticky rows stay, and when only sticky fit the update fails', () => {
    const e = engine('inverted_index', { unlearner: 'lru', unlearner_parameter: { max_size: 2, sticky_pattern: 'keep*' } });
    e.update_row('keep1', d({ body: 'red' }));
    e.update_row('a', d({ body: 'red' }));
    e.update_row('b', d({ body: 'red' }));
    expect(e.get_all_rows().sort()).toEqual(['b', 'keep1']);
    expect(e.decode_row('a')).toEqual({ stringValues: [], numValues: [], binaryValues: [] });
    e.update_row('keep2', d({ body: 'red' }));
    expect(() => e.update_row('c', d({ body: 'red' }))).toThrow('cannot add new row as number of sticky rows reached the maximum size of unlearner: c');
  });

  it('random keeps at most max_size rows', () => {
    const e = engine('lsh', { hash_num: 64, unlearner: 'random', unlearner_parameter: { max_size: 3, seed: 7 } });
    for (let i = 0; i < 10; i++) e.update_row(`r${i}`, d({ body: `w${i}` }));
    expect(e.get_all_rows()).toHaveLength(3);
  });
});

describe('recommender config', () => {
  it('names the offending key', () => {
    expect(() => engine('lsh', {})).toThrow(/hash_num/);
    expect(() => engine('lsh', { hash_num: 64, bogus: 1 })).toThrow(/bogus/);
    expect(() => engine('euclid_lsh', { hash_num: 64, table_num: 4, bin_width: 0, probe_num: 64, seed: 1 })).toThrow(/bin_width/);
    expect(() => engine('inverted_index', { unlearner_parameter: { max_size: 1 } })).toThrow(/unlearner_parameter is set but unlearner is not found/);
    expect(() => engine('nearest_neighbor_recommender', { method: 'nope', parameter: { hash_num: 8 } })).toThrow(/parameter\.method/);
    expect(() => engine('bogus')).toThrow(/method/);
  });
});

describe('recommender model file', () => {
  for (const [method, parameter] of [
    ['inverted_index', undefined], ['inverted_index_euclid', undefined], ['lsh', { hash_num: 64 }], ['minhash', { hash_num: 64 }],
    ['euclid_lsh', { hash_num: 64, table_num: 4, bin_width: 100, probe_num: 64, seed: 1091 }],
    ['nearest_neighbor_recommender', { method: 'lsh', parameter: { hash_num: 64 } }],
    ['inverted_index', { unlearner: 'lru', unlearner_parameter: { max_size: 10 } }],
  ] as const) {
    it(`${method}${parameter && 'unlearner' in parameter ? ' + lru' : ''}: pack → unpack answers the same`, () => {
      const a = engine(method, parameter);
      for (let i = 0; i < 20; i++) a.update_row(`r${i}`, d({ body: `w${i % 4} w${i % 3} common`, tag: `t${i % 2}` }, { x: i / 7 }));
      a.clear_row('r3');
      const b = engine(method, parameter);
      b.unpackModel(packed((w) => a.packModel(w)));
      for (const id of ['r0', 'r5', 'r3']) {
        expect(b.similar_row_from_id(id, 5)).toEqual(a.similar_row_from_id(id, 5));
        expect(b.decode_row(id)).toEqual(a.decode_row(id));
      }
      expect(b.similar_row_from_datum(d({ body: 'w1 common' }), 5)).toEqual(a.similar_row_from_datum(d({ body: 'w1 common' }), 5));
      expect(b.get_all_rows().sort()).toEqual(a.get_all_rows().sort());
    });
  }

  it('refuses a malformed model and keeps the current one', () => {
    const a = engine('lsh', { hash_num: 64 });
    a.update_row('r', d({ body: 'x' }));
    expect(() => a.unpackModel([[1, 2, 3], 4])).toThrow();
    expect(a.get_all_rows()).toEqual(['r']);
  });
});
