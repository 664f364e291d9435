/**
 * lof over the recommender engine's model (engine/anomaly/lof-over-recommender.ts): the
 * neighbor_row distances of each method, decode/merge, config errors under
 * `parameter.parameter`, and whole lof engines over inverted_index and lsh (add, calc_score,
 * update, clear_row, model round trip, MIX); plus the recommender part of 1.1.1's lof model
 * and 1.1.1's lof MIX diff.
 */
import { describe, expect, it } from 'vitest';
import { Lof } from '../../src/engine/anomaly/lof.js';
import { LOF_RECOMMENDERS, RECOMMENDER_METHODS, makeLofRecommender } from '../../src/engine/anomaly/lof-recommender.js';
import { RecommenderForLof } from '../../src/engine/anomaly/lof-over-recommender.js';
import { createAnomalyEngine, type AnomalyEngine } from '../../src/engine/anomaly/service.js';
import type { Datum, FeatureVector } from '../../src/engine/datum.js';
import type { JsonObject } from '../../src/engine/config-cast.js';
import { parseNnParams } from '../../src/engine/nearest_neighbor/config.js';
import { NearestNeighborModel } from '../../src/engine/nearest_neighbor/model.js';
import { MsgMap, MsgReader, decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { readDiff } from '../../src/engine/inverted_index/diff.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { bytes, packed } from '../harness/msgpack.js';
import { configOf, loadScenario, plain } from '../harness/reference.js';

const fv = (pairs: Array<[string, number]>): FeatureVector => ({ keys: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) });
const point = (x: number, y: number, tag?: string): Datum => ({
  stringValues: tag ? [['tag', tag]] : [], numValues: [['x', x], ['y', y]], binaryValues: [],
});

const PARAMETERS: Record<string, unknown> = {
  inverted_index: {},
  inverted_index_euclid: {},
  lsh: { hash_num: 64 },
  minhash: { hash_num: 64 },
  euclid_lsh: { hash_num: 64, table_num: 4, bin_width: 100, probe_num: 64, seed: 1091 },
  nearest_neighbor_recommender: { method: 'lsh', parameter: { hash_num: 64 } },
};

const make = (method: string) => makeLofRecommender(method, PARAMETERS[method], 'h_1');

describe('every recommender method backs lof', () => {
  it('LOF_RECOMMENDERS has all six', () => {
    expect(Object.keys(LOF_RECOMMENDERS).sort()).toEqual([...RECOMMENDER_METHODS].sort());
  });

  for (const method of RECOMMENDER_METHODS) {
    it(`${method}: neighbor_row answers distances nearest first, the row itself at 0; decode_row merges`, () => {
      const nn = make(method);
      nn.updateRow('a', fv([['x', 1], ['y', 0.5]]));
      nn.updateRow('b', fv([['x', 3], ['y', 1]]));
      nn.updateRow('c', fv([['x', -2], ['z', 4]]));
      nn.updateRow('a', fv([['y', 0.25]]));
      expect(nn.decodeRow('a')).toEqual(fv([['x', 1], ['y', 0.25]]));
      expect(nn.decodeRow('nope')).toEqual(fv([]));
      expect(nn.allRows().sort()).toEqual(['a', 'b', 'c']);
      for (const id of ['a', 'b', 'c']) {
        const near = nn.neighborRowFromId(id, 3);
        expect(near[0]).toEqual([id, 0]);
        for (let i = 1; i < near.length; i++) expect(near[i]![1]).toBeGreaterThanOrEqual(near[i - 1]![1]);
        expect(nn.neighborRowFromFv(nn.decodeRow(id), 3)[0]![1]).toBe(0);
      }
      // An unknown id queries with its (empty) stored row, as 1.1.1 does: the methods ranking
      // from orig by distance (inverted_index_euclid, nearest_neighbor_recommender) answer rows.
      if (method !== 'inverted_index_euclid' && method !== 'nearest_neighbor_recommender') expect(nn.neighborRowFromId('nope', 3)).toEqual([]);
      nn.clearRow('b');
      expect(nn.allRows().sort()).toEqual(['a', 'c']);
      expect(nn.decodeRow('b')).toEqual(fv([]));
      nn.clear();
      expect(nn.allRows()).toEqual([]);
    });
  }

  it('inverted_index: 1 − cos; rows sharing no feature are not neighbours', () => {
    const nn = make('inverted_index');
    nn.updateRow('a', fv([['x', 1]]));
    nn.updateRow('b', fv([['x', 1], ['y', 1]]));
    nn.updateRow('c', fv([['z', 1]]));
    const near = nn.neighborRowFromId('a', 5);
    expect(near.map((n) => n[0])).toEqual(['a', 'b']);
    expect(near[1]![1]).toBeCloseTo(1 - Math.SQRT1_2, 12);
  });

  it('inverted_index_euclid: the Euclidean distance, every row a candidate', () => {
    const nn = make('inverted_index_euclid');
    nn.updateRow('a', fv([['x', 1]]));
    nn.updateRow('b', fv([['x', 4]]));
    nn.updateRow('c', fv([['y', 1]]));
    expect(nn.neighborRowFromId('a', 5)).toEqual([['a', 0], ['c', Math.SQRT2], ['b', 3]]);
  });

  it('lsh and minhash: the fraction of differing bits', () => {
    for (const method of ['lsh', 'minhash']) {
      const nn = make(method);
      nn.updateRow('a', fv([['x', 1], ['y', 2]]));
      nn.updateRow('b', fv([['x', -1], ['w', 3]]));
      for (const [, d] of nn.neighborRowFromId('a', 2)) expect(Number.isInteger(d * 64)).toBe(true);
    }
  });

  it('nearest_neighbor_recommender: the NN engine\'s own neighbor_row', () => {
    const nn = make('nearest_neighbor_recommender');
    const ref = new NearestNeighborModel(parseNnParams(PARAMETERS.nearest_neighbor_recommender as JsonObject, 'parameter'), 'h_1');
    const rows: Array<[string, FeatureVector]> = [['a', fv([['x', 1], ['y', 2]])], ['b', fv([['x', 2], ['y', -1]])], ['c', fv([['z', 1]])]];
    for (const [id, v] of rows) {
      nn.updateRow(id, v);
      ref.setRow(id, v);
    }
    const q = fv([['x', 1], ['y', 1]]);
    expect(nn.neighborRowFromFv(q, 3)).toEqual(ref.neighborRowFromFv(q, 3));
    expect(nn.neighborRowFromId('b', 3)).toEqual(ref.neighborRowFromFv(rows[1]![1], 3));
  });

  it('config errors name the key under parameter.parameter', () => {
    const config = (method: string, parameter: unknown): unknown => ({
      method: 'lof',
      parameter: { nearest_neighbor_num: 2, reverse_nearest_neighbor_num: 3, method, parameter },
      converter: { num_rules: [{ key: '*', type: 'num' }] },
    });
    expect(() => createAnomalyEngine(config('lsh', {}), { owner: 'x_1' })).toThrow(/^parameter\.parameter\.hash_num: /);
    expect(() => createAnomalyEngine(config('lsh', null), { owner: 'x_1' })).toThrow('parameter.parameter: parameter block is not specified in config');
    expect(() => createAnomalyEngine(config('inverted_index', { bogus: 1 }), { owner: 'x_1' })).toThrow(/^parameter\.parameter\.bogus: /);
    expect(() => createAnomalyEngine(config('euclid_lsh', { ...(PARAMETERS.euclid_lsh as object), bin_width: 0 }), { owner: 'x_1' }))
      .toThrow('parameter.parameter.bin_width: 0.0 < bin_width');
    expect(() => createAnomalyEngine(config('no_such', {}), { owner: 'x_1' })).toThrow(/^parameter\.method: unsupported method \(no_such\)/);
  });

  it('a recommender unlearner in its parameter is the recommender\'s own (packed inside its part)', () => {
    const nn = makeLofRecommender('inverted_index', { unlearner: 'lru', unlearner_parameter: { max_size: 2 } }, 'h_1');
    for (const id of ['a', 'b', 'c']) nn.updateRow(id, fv([['x', 1]]));
    expect(nn.allRows().sort()).toEqual(['b', 'c']);
    expect((packed((w) => nn.pack(w)) as MsgValue[]).length).toBe(3);
  });
});

const lofConfig = (method: string): unknown => ({
  method: 'lof',
  parameter: { nearest_neighbor_num: 3, reverse_nearest_neighbor_num: 5, method, parameter: PARAMETERS[method] },
  converter: { string_rules: [{ key: 'tag', type: 'str', sample_weight: 'bin', global_weight: 'bin' }], num_rules: [{ key: '*', type: 'num' }] },
});

const POINTS: Array<[number, number, string]> = [
  [0, 0, 'a'], [1, 0.2, 'a'], [0.3, 1, 'b'], [1.2, 1.1, 'b'], [0.6, 0.4, 'a'], [9, 8, 'z'], [0.8, 0.9, 'b'], [0.2, 0.5, 'a'],
];

const queries = [point(0.5, 0.5, 'a'), point(7, 7, 'z'), point(1, 1), point(-3, 2, 'b')];

describe.each(['inverted_index', 'lsh'])('lof over %s', (method) => {
  const engine = (owner = '127.0.0.1_9199'): AnomalyEngine => createAnomalyEngine(lofConfig(method), { owner });
  const nnOf = (e: AnomalyEngine): RecommenderForLof => (e.driver as Lof).nn as RecommenderForLof;
  const fill = (e: AnomalyEngine, pts = POINTS): Array<[string, number]> => pts.map(([x, y, t]) => e.add(point(x, y, t)));

  it('add stores each point under the next id and scores it (the first against nothing: +∞)', () => {
    const e = engine();
    const added = fill(e);
    expect(added.map((a) => a[0])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(added[0]![1]).toBe(Infinity);
    for (const [, s] of added.slice(1)) expect(typeof s).toBe('number');
    expect(e.get_all_rows().sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(e.status()).toMatchObject({ storage: 'lof', num_id_master: '0', num_id_diff: '8', max_id: '7' });
  });

  it('calc_score never stores; the outlier scores above the crowd', () => {
    const e = engine();
    fill(e);
    const before = bytes((w) => e.packModel(w));
    const inside = e.calc_score(point(0.5, 0.5, 'a'));
    expect(Number.isFinite(inside)).toBe(true);
    expect(e.calc_score(point(0.5, 0.5, 'a'))).toBe(inside);
    expect(bytes((w) => e.packModel(w))).toEqual(before);
    if (method === 'inverted_index') expect(e.calc_score(point(30, -20, 'q'))).toBeGreaterThan(inside);
  });

  it('update merges into the stored row (an unknown id is created) and rescores', () => {
    const e = engine();
    fill(e);
    const score = e.update('2', { stringValues: [], numValues: [['y', 2]], binaryValues: [] });
    expect(typeof score).toBe('number');
    const row = nnOf(e).decodeRow('2');
    expect(Object.fromEntries(row.keys.map((k, i) => [k, row.values[i]]))).toEqual({ 'tag$b@str#bin/bin': 1, 'x@num': 0.3, 'y@num': 2 });
    expect(typeof e.update('new', point(0.5, 0.6, 'a'))).toBe('number');
    expect(e.get_all_rows()).toContain('new');
  });

  it('clear_row forgets the point (marked removed in the lof diff); clear forgets everything', () => {
    const e = engine();
    fill(e);
    expect(e.clear_row('3')).toBe(true);
    expect(e.clear_row('no-such-id')).toBe(true);
    expect(e.get_all_rows()).not.toContain('3');
    expect(nnOf(e).decodeRow('3')).toEqual(fv([]));
    expect((e.driver as Lof).storage.diff.get('3')?.kdist).toBe(-1);
    for (const q of queries) expect(Number.isNaN(e.calc_score(q))).toBe(false);
    e.clear();
    expect(e.get_all_rows()).toEqual([]);
    expect(e.calc_score(queries[0]!)).toBe(Infinity);
  });

  it('the model packs as [[lof_storage, [orig, index]], weights] and loads back answering alike', () => {
    const e = engine();
    fill(e);
    e.clear_row('4');
    const model = bytes((w) => e.packModel(w));
    const top = new MsgReader(model).read() as MsgValue[];
    const [lofPart] = top as [MsgValue[]];
    expect(lofPart.length).toBe(2);
    expect((lofPart[1] as MsgValue[]).length).toBe(2);
    const f = engine();
    f.add(point(50, 50));
    f.unpackModel(new MsgReader(model).read() as MsgValue);
    // Maps compared as maps: their order is the hash order of how they were filled.
    expect(plain(packed((w) => f.packModel(w)))).toEqual(plain(decodeOne(model)));
    expect(f.get_all_rows().sort()).toEqual(e.get_all_rows().sort());
    for (const q of queries) expect(f.calc_score(q)).toBe(e.calc_score(q));
    // Standalone ids restart after the largest stored one.
    expect(f.add(point(0.1, 0.1, 'a'))[0]).toBe('8');
  });

  it('a malformed recommender part is refused and the model stays', () => {
    const e = engine();
    fill(e, POINTS.slice(0, 3));
    const model = packed((w) => e.packModel(w)) as MsgValue[];
    const broken = [[(model[0] as MsgValue[])[0]!, ['not', 'a', 'recommender']], model[1]!] as MsgValue;
    const before = bytes((w) => e.packModel(w));
    expect(() => e.unpackModel(broken)).toThrow();
    expect(bytes((w) => e.packModel(w))).toEqual(before);
  });

  it('MIX: parts [lof diff, recommender index diff, weights]; afterwards both members agree', () => {
    const a = engine('127.0.0.1_1');
    const b = engine('127.0.0.1_2');
    POINTS.forEach(([x, y, t], i) => (i % 2 === 0 ? a : b).addWithId(String(i + 1), point(x, y, t)));
    const diffOf = (e: AnomalyEngine): unknown[] => {
      const w = new MsgWriter();
      e.linearMixable().packDiff(w);
      const v = new MsgReader(w.toBytes()).read() as MsgValue[];
      expect(v.length).toBe(3);
      expect((v[0] as MsgMap).entries.map(([k]) => plain(k)).sort()).toEqual(e.get_all_rows().sort());
      // The recommender's part is its own index mixable's diff.
      const own = new MsgWriter();
      nnOf(e).linearPart().packDiff(own);
      expect(decodeOne(own.toBytes())).toEqual(v[1]);
      return e.linearMixable().unpackDiff(v);
    };
    const mix = a.linearMixable();
    const mixed = mix.mixDiff(diffOf(a), diffOf(b));
    const w = new MsgWriter();
    mix.writeDiff(w, mixed);
    const sent = new MsgReader(w.toBytes()).read() as MsgValue;
    expect(a.linearMixable().putDiff(a.linearMixable().unpackDiff(sent))).toBe(true);
    expect(b.linearMixable().putDiff(b.linearMixable().unpackDiff(sent))).toBe(true);
    expect(a.get_all_rows().sort()).toEqual(b.get_all_rows().sort());
    expect(a.get_all_rows()).toHaveLength(POINTS.length);
    for (const e of [a, b]) expect(e.status()).toMatchObject({ num_id_master: String(POINTS.length), num_id_diff: '0' });
    for (const q of queries) expect(a.calc_score(q)).toBe(b.calc_score(q));
  });
});

describe('lof over every recommender method', () => {
  for (const method of RECOMMENDER_METHODS) {
    it(`${method}: adds, updates, clear_row, scores, and a model that loads back answering alike`, () => {
      const e = createAnomalyEngine(lofConfig(method), { owner: '127.0.0.1_9199' });
      for (const [x, y, t] of POINTS) expect(Number.isNaN(e.add(point(x, y, t))[1])).toBe(false);
      expect(Number.isNaN(e.update('1', point(0.9, 0.3, 'b')))).toBe(false);
      e.clear_row('2');
      expect(e.get_all_rows().sort()).toEqual(['0', '1', '3', '4', '5', '6', '7']);
      const scores = queries.map((q) => e.calc_score(q));
      for (const sc of scores) expect(Number.isNaN(sc)).toBe(false);
      const f = createAnomalyEngine(lofConfig(method), { owner: '127.0.0.1_9199' });
      f.unpackModel(packed((w) => e.packModel(w)));
      expect(queries.map((q) => f.calc_score(q))).toEqual(scores);
    });
  }
});

describe('1.1.1\'s lof model after the reference scenario: the recommender part', () => {
  it('orig rows and the inverted index equal what 1.1.1 saved', () => {
    const s = loadScenario('anomaly-lof');
    const e = createAnomalyEngine(JSON.parse(configOf(s)), { owner: '127.0.0.1_9199' });
    const datum = (a: unknown): Datum => {
      const [sv, nv] = a as [Array<[string, string]>, Array<[string, number]>];
      return { stringValues: sv, numValues: nv, binaryValues: [] };
    };
    for (const c of s.calls) {
      const a = c.args as unknown[];
      try {
        if (c.method === 'add') e.add(datum(a[0]));
        else if (c.method === 'add_bulk') e.add_bulk((a[0] as unknown[]).map(datum));
        else if (c.method === 'update') e.update(a[0] as string, datum(a[1]));
        else if (c.method === 'overwrite') e.overwrite(a[0] as string, datum(a[1]));
        else if (c.method === 'clear_row') e.clear_row(a[0] as string);
        else if (c.method === 'clear') e.clear();
      } catch {
        // calls 1.1.1 refused too
      }
    }
    const rec = (m: MsgValue): MsgValue[] => ((m as MsgValue[])[0] as MsgValue[])[1] as MsgValue[];
    const ours = rec(packed((w) => e.packModel(w)));
    const theirs = rec(fixtureModel('anomaly-lof'));
    const byKey = (orig: MsgValue): Record<string, Record<string, unknown>> => {
      const [rows, km] = orig as [MsgMap, MsgValue[]];
      const id2key = new Map((km[1] as MsgMap).entries.map(([k, v]) => [Number(k), String(plain(v))]));
      return Object.fromEntries(rows.entries.map(([row, cols]) => [
        String(plain(row)), Object.fromEntries((cols as MsgMap).entries.map(([c, v]) => [id2key.get(Number(c))!, plain(v)])),
      ]));
    };
    expect(byKey(ours[0]!)).toEqual(byKey(theirs[0]!));
    expect(plain(ours[1]!)).toEqual(plain(theirs[1]!));
  });
});

/**
 * What 1.1.1 answered to get_diff(0) in a 1-member lof cluster (inverted_index) after the
 * reference scenario's first five adds (ids 1…5): spec/jubatus-mix-payloads.md, anomaly (lof).
 */
const LOF_GET_DIFF = [
  '9385a13592cb3ff7a9b41009d949cb3fe7cd62fa75f57da13492cb3ff7a9b41009d949cb3fe7cd62fa75f57da13392cb',
  '3ff6fb4edc2c3a80cb3fe7cd62fa75f57da13292cb3ff719bcaf2b50d0cb3fe7cd62fa75f57da13192cb3fec4a102ee3',
  '7f50cb3fe7cd62fa75f57d929286b2746167246331407374722362696e2f62696e8104cb3ff0000000000000a578406e',
  '756d8500cb402b0154c985f06f01cb40006e978d4fdf3b02cbc0095288ce703afb03cbc012da6b50b0f27c04cb401942',
  'f837b4a234a579406e756d8500cb3ff4d495182a993101cb3fc7e90ff972474502cb40140068db8bac7103cb401b801a',
  '36e2eb1c04cb40161aee631f8a09b2746167246332407374722362696e2f62696e8202cb3ff000000000000003cb3ff0',
  '000000000000b2746167246330407374722362696e2f62696e8101cb3ff0000000000000b3746167246f646440737472',
  '2362696e2f62696e8100cb3ff00000000000009385a13104a13503a13202a13301a134008504a13103a13502a13201a1',
  '3300a1340585a131cb4051db273888dd8aa132cb404202f5bc44bf4ca133cb401503e6d4e0c277a134cb4067207c1ca0',
  'f583a135cb40519edc5062eee2929500918091809180809101',
].join('');

describe('1.1.1\'s lof MIX diff', () => {
  it('[lof table, inverted index diff, weights] equal the recorded one (index rows by key: its row ids are local to the diff)', () => {
    const s = loadScenario('anomaly-lof');
    const e = createAnomalyEngine(JSON.parse(configOf(s)), { owner: '127.0.0.1_9199', distributed: true });
    s.calls.filter((c) => c.method === 'add').slice(0, 5).forEach((c, i) => {
      const [sv, nv] = (c.args as unknown[])[0] as [Array<[string, string]>, Array<[string, number]>];
      e.addWithId(String(i + 1), { stringValues: sv, numValues: nv, binaryValues: [] });
    });
    const ours = decodeOne(bytes((w) => e.linearMixable().packDiff(w))) as MsgValue[];
    const theirs = decodeOne(Buffer.from(LOF_GET_DIFF, 'hex')) as MsgValue[];
    expect(ours).toHaveLength(3);
    expect(plain(ours[0]!)).toEqual(plain(theirs[0]!));
    // The lof table in 1.1.1's hash order.
    expect((ours[0] as MsgMap).entries.map(([k]) => plain(k))).toEqual((theirs[0] as MsgMap).entries.map(([k]) => plain(k)));
    const byKey = (v: MsgValue): unknown => {
      const d = readDiff(v);
      return { rows: Object.fromEntries([...d.rows].map(([f, m]) => [f, Object.fromEntries(m)])), norms: Object.fromEntries(d.norms) };
    };
    expect(byKey(ours[1]!)).toEqual(byKey(theirs[1]!));
    // The weight manager's counts (its version is its own and not compared).
    expect(plain((ours[2] as MsgValue[])[0]!)).toEqual(plain((theirs[2] as MsgValue[])[0]!));
  });
});
