/**
 * The NN and inverted-index regressions (engine spec §7): uniform and distance weighting with
 * exact values (including the exact-match case), the values table, the row unlearner, config
 * errors naming the key, 1.1.1's model files, and MIX (linear and push) between two engines.
 */
import { describe, expect, it } from 'vitest';
import { decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import { regressionFactory, type RegressionEngine } from '../../src/engine/regression/service.js';
import type { Datum } from '../../src/engine/datum.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { plain } from '../harness/reference.js';
import { bytes, packed } from '../harness/msgpack.js';

const NUM = { num_rules: [{ key: '*', type: 'num' }] };
const d = (o: Record<string, number>): Datum => ({ stringValues: [], numValues: Object.entries(o), binaryValues: [] });

function nn(weight: 'uniform' | 'distance', k = 16, extra: Record<string, unknown> = {}): RegressionEngine {
  return regressionFactory.create({
    method: 'NN',
    parameter: { method: 'euclid_lsh', parameter: { hash_num: 64 }, nearest_neighbor_num: k, weight, ...extra },
    converter: NUM,
  }, { owner: '127.0.0.1_9199' }) as RegressionEngine;
}

function inverted(method: 'cosine' | 'euclidean', weight: 'uniform' | 'distance', k = 16): RegressionEngine {
  return regressionFactory.create({ method, parameter: { nearest_neighbor_num: k, weight }, converter: NUM }, { owner: '' }) as RegressionEngine;
}

/** 1.1.1's euclid_lsh distances for hash_num 64 (spec §4.6). */
const D_X_XY = 0.8533381692856091;
const D_X_Y = 1.1913986089848667;

function linearRound(a: RegressionEngine, b: RegressionEngine): void {
  const m1 = a.linearMixable();
  const m2 = b.linearMixable();
  const mixed = m1.mixDiff(m1.unpackDiff(packed((w) => m1.packDiff(w))), m2.unpackDiff(packed((w) => m2.packDiff(w))));
  const payload = packed((w) => m1.writeDiff(w, mixed));
  expect(m1.putDiff(m1.unpackDiff(payload))).toBe(true);
  expect(m2.putDiff(m2.unpackDiff(payload))).toBe(true);
}

describe('NN regression', () => {
  it('answers 0 without rows', () => {
    expect(nn('uniform').estimate([d({ x: 1 })])).toEqual([0]);
  });

  it('uniform: the mean of the k nearest values', () => {
    const e = nn('uniform', 2);
    e.train([[4, d({ x: 1, y: 1 })], [10, d({ y: 1 })], [100, d({ x: -5 })]]);
    expect(e.estimate([d({ x: 1 })])).toEqual([(4 + 10) / 2]);
  });

  it('distance: Σ(v/d)/Σ(1/d) over 1.1.1\'s euclid_lsh distances', () => {
    const e = nn('distance', 2);
    e.train([[4, d({ x: 1, y: 1 })], [10, d({ y: 1 })]]);
    const want = (4 / D_X_XY + 10 / D_X_Y) / (1 / D_X_XY + 1 / D_X_Y);
    expect(e.estimate([d({ x: 1 })])[0]).toBe(want);
  });

  it('distance: the mean of the exact matches when the nearest is at distance 0', () => {
    const e = nn('distance');
    e.train([[2, d({ x: 1 })], [4, d({ x: 1, y: 1 })], [6, d({ x: 1 })], [10, d({ y: 1 })]]);
    expect(e.estimate([d({ x: 1 })])).toEqual([4]);
  });

  it('forgets rows and their values with an unlearner', () => {
    const e = nn('uniform', 16, { unlearner: 'lru', unlearner_parameter: { max_size: 1 } });
    e.train([[1, d({ x: 1 })], [7, d({ y: 1 })]]);
    expect(e.estimate([d({ x: 1 })])).toEqual([7]);
    expect(e.status()).toMatchObject({ num_rows: '1' });
    const model = packed((w) => e.packModel(w)) as MsgValue[];
    expect((model[0] as MsgValue[]).length).toBe(3);
    const copy = nn('uniform', 16, { unlearner: 'lru', unlearner_parameter: { max_size: 1 } });
    copy.unpackModel(model);
    expect(plain(packed((w) => copy.packModel(w)))).toEqual(plain(model));
  });

  it('rejects bad configs naming the key', () => {
    const make = (parameter: Record<string, unknown>) => () => regressionFactory.create({
      method: 'NN', parameter: { method: 'lsh', parameter: { hash_num: 8 }, nearest_neighbor_num: 3, ...parameter }, converter: NUM,
    }, { owner: '' });
    expect(make({ nearest_neighbor_num: 0 })).toThrow(/parameter\.nearest_neighbor_num: nearest_neighbor_num should >= 1/);
    expect(make({ weight: 'nearest' })).toThrow(/parameter\.weight: weight option must be distance or uniform/);
    expect(make({ unlearner: 'fifo', unlearner_parameter: { max_size: 3 } })).toThrow(/parameter\.unlearner: unsupported method/);
    expect(make({ parameter: { hash_num: 0 } })).toThrow(/parameter\.parameter\.hash_num/);
  });

  it('MIXes the table and the values (linear), then agrees', () => {
    const one = nn('distance');
    const two = nn('distance');
    one.train([[4, d({ x: 1, y: 1 })]]);
    two.train([[10, d({ y: 1 })]]);
    linearRound(one, two);
    const want = (4 / D_X_XY + 10 / D_X_Y) / (1 / D_X_XY + 1 / D_X_Y);
    expect(one.estimate([d({ x: 1 })])).toEqual([want]);
    expect(two.estimate([d({ x: 1 })])).toEqual([want]);
    expect(one.status().num_rows).toBe('2');
  });

  it('push-MIXes the table and the values together', () => {
    const one = nn('uniform');
    const two = nn('uniform');
    one.train([[3, d({ x: 1 })]]);
    two.train([[5, d({ y: 1 })]]);
    const p1 = one.pushMixable()!;
    const p2 = two.pushMixable()!;
    p2.push(bytes((w) => p1.pull(bytes((a) => p2.writePullArgument(a)), w)));
    p1.push(bytes((w) => p2.pull(bytes((a) => p1.writePullArgument(a)), w)));
    expect(one.estimate([d({ x: 1 })])).toEqual([4]);
    expect(two.estimate([d({ x: 1 })])).toEqual([4]);
    expect(() => p1.push(bytes((w) => w.arrayHeader(1)))).toThrow(/expected an array of 2/);
  });

  it('loads the model 1.1.1 saved and writes it back field for field', () => {
    const e = nn('uniform');
    const theirs = fixtureModel('regression-NN');
    e.unpackModel(theirs);
    expect(e.status().num_rows).toBe('98');
    expect(plain(packed((w) => e.packModel(w)))).toEqual(plain(theirs));
  });
});

describe('cosine and euclidean regressions', () => {
  it('euclidean, distance: weights 1/d, hand-computed', () => {
    const e = inverted('euclidean', 'distance');
    e.train([[2, d({ x: 1 })], [6, d({ x: 3 })], [10, d({ y: 1 })]]);
    // {x:2}: distances 1, 1, √5.
    const w = 1 / Math.sqrt(5);
    expect(e.estimate([d({ x: 2 })])[0]).toBe((2 + 6 + w * 10) / (1 + 1 + w));
    // An exact match (distance 0 ≤ DBL_EPSILON): the mean of the leading exact matches only.
    e.train([[8, d({ x: 1 })]]);
    expect(e.estimate([d({ x: 1 })])).toEqual([5]);
  });

  it('cosine: uniform mean of the k most similar; distance weights 1/(1 − cos)', () => {
    const u = inverted('cosine', 'uniform', 2);
    u.train([[1, d({ x: 1 })], [3, d({ x: 1, y: 1 })], [9, d({ y: 1, z: 5 })]]);
    expect(u.estimate([d({ x: 1 })])).toEqual([2]);
    const w = inverted('cosine', 'distance', 2);
    w.train([[1, d({ x: 1, y: 3 })], [3, d({ x: 1, y: 1 })]]);
    const c1 = 1 / Math.sqrt(10);
    const c2 = 1 / Math.sqrt(2);
    expect(w.estimate([d({ x: 1 })])[0]).toBeCloseTo((1 / (1 - c1) + 3 / (1 - c2)) / (1 / (1 - c1) + 1 / (1 - c2)), 14);
  });

  it('keeps a value for an example without features, which no query finds', () => {
    const e = inverted('cosine', 'uniform');
    e.train([[5, d({})]]);
    expect(e.status().num_rows).toBe('1');
    expect(e.estimate([d({ x: 1 })])).toEqual([0]);
  });

  it('rejects bad configs naming the key', () => {
    const make = (parameter: unknown) => () => regressionFactory.create({ method: 'euclidean', parameter, converter: NUM }, { owner: '' });
    expect(make({ nearest_neighbor_num: 0 })).toThrow(/parameter\.nearest_neighbor_num: nearest neighbor num >= 1/);
    expect(make({})).toThrow(/parameter\.nearest_neighbor_num: required key is missing/);
    expect(make(undefined)).toThrow(/parameter block is not specified/);
  });

  it('MIXes the index and the values (linear); under push only the values travel, as in 1.1.1', () => {
    const one = inverted('euclidean', 'uniform', 1);
    const two = inverted('euclidean', 'uniform', 1);
    one.train([[1, d({ x: 1 })]]);
    two.train([[9, d({ x: 5 })]]);
    linearRound(one, two);
    expect(one.estimate([d({ x: 4 })])).toEqual([9]);
    expect(two.estimate([d({ x: 0 })])).toEqual([1]);
    const arg = plain(decodeOne(bytes((w) => one.pushMixable()!.writePullArgument(w))));
    // One push part (the values), whose version clock saw owner "" up to clock 0.
    expect(arg).toEqual([{ '': 0 }]);
  });

  it('loads the models 1.1.1 saved and writes them back field for field', () => {
    for (const m of ['cosine', 'euclidean'] as const) {
      const e = inverted(m, 'uniform');
      const theirs = fixtureModel(`regression-${m}`);
      e.unpackModel(theirs);
      expect(plain(packed((w) => e.packModel(w))), m).toEqual(plain(theirs));
    }
  });
});
