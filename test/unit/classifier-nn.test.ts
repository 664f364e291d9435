/**
 * The NN and inverted-index classifiers (engine spec §6.4, §16): exact scores (Σ exp(−α·d) over
 * euclid_lsh distances 1.1.1 answered, exp(−α(1 − cos)), exp(−α·d)), label order, delete_label,
 * the row unlearner, config errors naming the key, 1.1.1's model files, and MIX (linear and
 * push) between two engines.
 */
import { describe, expect, it } from 'vitest';
import { decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import { classifierFactory, type ClassifierEngine } from '../../src/engine/classifier/service.js';
import { NnClassifier } from '../../src/engine/classifier/nn.js';
import type { Datum } from '../../src/engine/datum.js';
import { plain } from '../harness/reference.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { bytes, packed } from '../harness/msgpack.js';

const NUM = { num_rules: [{ key: '*', type: 'num' }] };
const d = (o: Record<string, number>): Datum => ({ stringValues: [], numValues: Object.entries(o), binaryValues: [] });

function nn(extra: Record<string, unknown> = {}, k = 16, alpha = 1): ClassifierEngine {
  return classifierFactory.create({
    method: 'NN',
    parameter: { method: 'euclid_lsh', parameter: { hash_num: 64 }, nearest_neighbor_num: k, local_sensitivity: alpha, ...extra },
    converter: NUM,
  }, { owner: '127.0.0.1_9199' }) as ClassifierEngine;
}

function inverted(method: 'cosine' | 'euclidean', alpha = 1): ClassifierEngine {
  return classifierFactory.create({ method, parameter: { nearest_neighbor_num: 16, local_sensitivity: alpha }, converter: NUM }, { owner: '' }) as ClassifierEngine;
}

/** 1.1.1's euclid_lsh distances for hash_num 64 (spec §4.6). */
const D_X_XY = 0.8533381692856091;
const D_X_Y = 1.1913986089848667;

describe('NN classifier', () => {
  it('scores each label Σ exp(−α·distance) over its rows among the k nearest, labels sorted', () => {
    const e = nn({}, 16, 0.5);
    e.train([['b', d({ y: 1 })], ['a', d({ x: 1 })], ['a', d({ x: 1, y: 1 })]]);
    e.set_label('c');
    const [scores] = e.classify([d({ x: 1 })]);
    expect(scores).toEqual([
      ['a', 1 + Math.exp(-0.5 * D_X_XY)],
      ['b', Math.exp(-0.5 * D_X_Y)],
      ['c', 0],
    ]);
    expect(Object.fromEntries(e.get_labels())).toEqual({ a: 2, b: 1, c: 0 });
  });

  it('looks at only nearest_neighbor_num rows', () => {
    const e = nn({}, 1);
    e.train([['b', d({ y: 1 })], ['a', d({ x: 1, y: 1 })]]);
    expect(e.classify([d({ x: 1 })])[0]).toEqual([['a', Math.exp(-D_X_XY)], ['b', 0]]);
  });

  it('names rows label_ + 8 characters and finds the label before the last _', () => {
    const e = nn();
    e.train([['a_b', d({ x: 1 })]]);
    const ids = (e.driver as NnClassifier).rows.ids();
    expect(ids[0]).toMatch(/^a_b_[a-zA-Z0-9]{8}$/);
    expect(e.classify([d({ x: 1 })])[0]).toEqual([['a_b', 1]]);
  });

  it('delete_label deletes the label\'s rows', () => {
    const e = nn();
    e.train([['a', d({ x: 1 })], ['b', d({ y: 1 })], ['a', d({ x: 2 })]]);
    expect(e.delete_label('a')).toBe(true);
    expect(e.delete_label('a')).toBe(false);
    expect((e.driver as NnClassifier).rows.size).toBe(1);
    expect(e.classify([d({ x: 1 })])[0]).toEqual([['b', Math.exp(-D_X_Y)]]);
  });

  it('forgets the least recently added row with an lru unlearner, and its label count', () => {
    const e = nn({ unlearner: 'lru', unlearner_parameter: { max_size: 2 } });
    e.train([['a', d({ x: 1 })], ['b', d({ y: 1 })], ['b', d({ y: 2 })]]);
    expect((e.driver as NnClassifier).rows.size).toBe(2);
    expect(Object.fromEntries(e.get_labels())).toEqual({ b: 2 });
    expect(e.status()).toMatchObject({ num_rows: '2', num_unlearner_unlearned_ids: '2' });
    // The model is [unlearner, table, labels]; it round-trips.
    const model = packed((w) => e.packModel(w)) as MsgValue[];
    expect((model[0] as MsgValue[]).length).toBe(3);
    const copy = nn({ unlearner: 'lru', unlearner_parameter: { max_size: 2 } });
    copy.unpackModel(model);
    expect(copy.classify([d({ y: 1 })])).toEqual(e.classify([d({ y: 1 })]));
    expect(plain(packed((w) => copy.packModel(w)))).toEqual(plain(model));
  });

  it('rejects bad configs naming the key', () => {
    const make = (parameter: unknown) => () => classifierFactory.create({ method: 'NN', parameter, converter: NUM }, { owner: '' });
    const base = { method: 'lsh', parameter: { hash_num: 8 }, nearest_neighbor_num: 3, local_sensitivity: 1 };
    expect(make(undefined)).toThrow(/parameter: parameter block is not specified/);
    const { nearest_neighbor_num: _k, ...noK } = base;
    expect(make(noK)).toThrow(/parameter\.nearest_neighbor_num: required key is missing/);
    expect(make({ ...base, local_sensitivity: -1 })).toThrow(/parameter\.local_sensitivity: local_sensitivity should >= 0/);
    expect(make({ ...base, method: 'lsb' })).toThrow(/parameter\.method: unknown method "lsb"/);
    expect(make({ ...base, parameter: {} })).toThrow(/parameter\.parameter\.hash_num: required key is missing/);
    expect(make({ ...base, unlearner: 'lru' })).toThrow(/parameter\.unlearner_parameter: Unlearner is set but unlearner_parameter is not found/);
    expect(make({ ...base, unlearner: 'lru', unlearner_parameter: { max_size: 0 } })).toThrow(/max_size must be a positive integer/);
    expect(make({ ...base, extra: 1 })).toThrow(/parameter\.extra: unknown key/);
  });

  it('loads the model 1.1.1 saved and writes it back field for field', () => {
    const e = nn();
    const theirs = fixtureModel('classifier-NN');
    e.unpackModel(theirs);
    expect(Object.fromEntries(e.get_labels())).toEqual({ arts: 19, politics: 22, science: 33, sports: 24 });
    expect(plain(packed((w) => e.packModel(w)))).toEqual(plain(theirs));
  });

  it('MIXes its table (labels recounted from the rows) until both servers agree', () => {
    const one = nn();
    const two = nn();
    one.train([['a', d({ x: 1 })], ['b', d({ y: 1 })]]);
    two.train([['a', d({ x: 1, y: 1 })], ['c', d({ x: -1 })]]);
    two.set_label('z');
    const m1 = one.linearMixable();
    const m2 = two.linearMixable();
    const mixed = m1.mixDiff(m1.unpackDiff(packed((w) => m1.packDiff(w))), m2.unpackDiff(packed((w) => m2.packDiff(w))));
    const payload = packed((w) => m1.writeDiff(w, mixed));
    expect(m1.putDiff(m1.unpackDiff(payload))).toBe(true);
    expect(m2.putDiff(m2.unpackDiff(payload))).toBe(true);
    expect(Object.fromEntries(one.get_labels())).toEqual({ a: 2, b: 1, c: 1 });
    expect(Object.fromEntries(two.get_labels())).toEqual({ a: 2, b: 1, c: 1, z: 0 });
    const q = [d({ x: 1 }), d({ y: 0.5 })];
    expect(one.classify(q)).toEqual(two.classify(q).map((s) => s.filter(([l]) => l !== 'z')));
  });

  it('push-MIXes its table: a pull answers what the peer lacks', () => {
    const one = nn();
    const two = nn();
    one.train([['a', d({ x: 1 })]]);
    two.train([['b', d({ y: 1 })]]);
    const p1 = one.pushMixable()!;
    const p2 = two.pushMixable()!;
    p2.push(bytes((w) => p1.pull(bytes((a) => p2.writePullArgument(a)), w)));
    p1.push(bytes((w) => p2.pull(bytes((a) => p1.writePullArgument(a)), w)));
    expect(Object.fromEntries(one.get_labels())).toEqual({ a: 1, b: 1 });
    expect(one.classify([d({ x: 1 })])).toEqual(two.classify([d({ x: 1 })]));
    // Nothing new: the second pull is empty.
    const again = decodeOne(bytes((w) => p1.pull(bytes((a) => p2.writePullArgument(a)), w)));
    expect(plain(again)).toEqual([[]]);
  });
});

describe('cosine and euclidean classifiers', () => {
  it('cosine: Σ exp(−α(1 − cos)), hand-computed', () => {
    const e = inverted('cosine', 0.5);
    e.train([['a', d({ x: 1 })], ['b', d({ x: 1, y: 1 })], ['b', d({ z: 1 })]]);
    // {x:1,y:1}: cos to a = 1/√2, to b's first row = 1, to b's second = 0 (shares nothing: not a neighbour).
    expect(e.classify([d({ x: 1, y: 1 })])[0]).toEqual([['a', Math.exp(-0.5 * (1 - 1 / Math.SQRT2))], ['b', 1]]);
    expect(e.classify([d({ x: 1, y: 1 })])[0]![0]![1]).toBeCloseTo(0.8637718484, 9);
  });

  it('euclidean: Σ exp(α·(−d)), every row a neighbour', () => {
    const e = inverted('euclidean', 2);
    e.train([['a', d({ x: 1 })], ['b', d({ y: 3 })]]);
    // {x:1}: a at 0, b at √10.
    expect(e.classify([d({ x: 1 })])[0]).toEqual([['a', 1], ['b', Math.exp(2 * -Math.sqrt(10))]]);
  });

  it('does not support delete_label: false, and the label and its rows stay', () => {
    const e = inverted('cosine');
    e.train([['a', d({ x: 1 })]]);
    expect(e.delete_label('a')).toBe(false);
    expect(Object.fromEntries(e.get_labels())).toEqual({ a: 1 });
    expect(e.classify([d({ x: 1 })])[0]).toEqual([['a', 1]]);
  });

  it('counts an example without features for its label but stores no row', () => {
    const e = inverted('cosine');
    e.train([['a', d({})]]);
    expect(Object.fromEntries(e.get_labels())).toEqual({ a: 1 });
    expect(e.status().num_rows).toBe('0');
  });

  it('rejects bad configs naming the key', () => {
    const make = (parameter: unknown) => () => classifierFactory.create({ method: 'cosine', parameter, converter: NUM }, { owner: '' });
    expect(make({ nearest_neighbor_num: 0, local_sensitivity: 1 })).toThrow(/parameter\.nearest_neighbor_num: nearest neighbor num >= 1/);
    expect(make({ nearest_neighbor_num: 1, local_sensitivity: -0.5 })).toThrow(/parameter\.local_sensitivity: local_sensitivity should >= 0/);
    expect(make({ nearest_neighbor_num: 1, local_sensitivity: 1, unlearner: 'lru' })).toThrow(/parameter\.unlearner: unknown key/);
  });

  it('MIXes the index and the labels until both servers agree', () => {
    const one = inverted('euclidean');
    const two = inverted('euclidean');
    one.train([['a', d({ x: 1 })], ['b', d({ y: 1 })]]);
    two.train([['a', d({ x: 2 })]]);
    const m1 = one.linearMixable();
    const m2 = two.linearMixable();
    const mixed = m1.mixDiff(m1.unpackDiff(packed((w) => m1.packDiff(w))), m2.unpackDiff(packed((w) => m2.packDiff(w))));
    const payload = packed((w) => m1.writeDiff(w, mixed));
    m1.putDiff(m1.unpackDiff(payload));
    m2.putDiff(m2.unpackDiff(payload));
    expect(Object.fromEntries(one.get_labels())).toEqual({ a: 2, b: 1 });
    expect(Object.fromEntries(two.get_labels())).toEqual({ a: 2, b: 1 });
    expect(one.classify([d({ x: 1.5 })])).toEqual(two.classify([d({ x: 1.5 })]));
    expect(one.pushMixable()).toBeUndefined();
  });

  it('loads the models 1.1.1 saved and writes them back field for field', () => {
    for (const m of ['cosine', 'euclidean'] as const) {
      const e = inverted(m);
      const theirs = fixtureModel(`classifier-${m}`);
      e.unpackModel(theirs);
      expect(plain(packed((w) => e.packModel(w))), m).toEqual(plain(theirs));
    }
  });
});
