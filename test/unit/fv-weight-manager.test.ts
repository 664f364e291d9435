import { describe, expect, it } from 'vitest';
import { decode, encode } from '@msgpack/msgpack';
import { parseConverterConfig } from '../../src/engine/fv/config.js';
import { DatumToFvConverter } from '../../src/engine/fv/converter.js';
import { WeightManager, groupKeyOf, type WeightDiff } from '../../src/engine/fv/weight-manager.js';
import { decodeOne } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import type { Datum } from '../../src/engine/datum.js';

function bytes(fn: (w: MsgWriter) => void): Uint8Array {
  const w = new MsgWriter(8);
  fn(w);
  return w.toBytes();
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function bm25Converter(): DatumToFvConverter {
  return new DatumToFvConverter(parseConverterConfig({
    string_rules: [{ key: 'body', type: 'space', sample_weight: 'tf', global_weight: 'bm25' }],
    num_rules: [{ key: '*', type: 'num' }],
  }));
}
const doc = (body: string, n?: number): Datum => ({ stringValues: [['body', body]], numValues: n === undefined ? [] : [['n', n]], binaryValues: [] });

function diffOf(c: DatumToFvConverter): WeightDiff {
  return WeightManager.readDiff(decodeOne(bytes((w) => c.weights.packDiff(w))));
}

describe('groupKeyOf', () => {
  it('drops the token of string feature keys; "" for num and binary keys', () => {
    expect(groupKeyOf('title$it@space#tf/bm25')).toBe('title@space#tf/bm25');
    expect(groupKeyOf('t$a@b@space#tf/bm25')).toBe('t@space#tf/bm25');
    expect(groupKeyOf('x@num')).toBe('');
    expect(groupKeyOf('bin')).toBe('');
  });
});

describe('WeightManager model-file form (spec §4.8)', () => {
  it('packs an empty manager as [[0], kw, kw] with empty 5-arrays', () => {
    expect(hex(bytes((w) => new WeightManager().pack(w)))).toBe('939100' + '9500918091809180' + '80' + '9500918091809180' + '80');
  });

  it('packs document statistics in diff; master stays empty before any MIX', () => {
    const c = bm25Converter();
    c.convertAndUpdateWeight(doc('a b a', 1));
    c.convertAndUpdateWeight(doc('c', 2));
    const b = bytes((w) => c.weights.pack(w));
    expect(decode(b)).toEqual([
      [0],
      [
        2,
        [{ 'body$a@space#tf/bm25': 1, 'body$b@space#tf/bm25': 1, 'n@num': 2, 'body$c@space#tf/bm25': 1 }],
        [{ 'body@space#tf/bm25': 2 }],
        [{ 'body@space#tf/bm25': 4 }],
        {},
      ],
      [0, [{}], [{}], [{}], {}],
    ]);
    // Counts are uints as in 1.1.1's model files (df 1 → 01); group lengths stay float64.
    expect(hex(b)).toContain('b4' + Buffer.from('body$a@space#tf/bm25').toString('hex') + '01');
    expect(hex(b)).toContain('b2' + Buffer.from('body@space#tf/bm25').toString('hex') + 'cb4010000000000000');
  });

  it('round-trips through unpack', () => {
    const c = bm25Converter();
    c.convertAndUpdateWeight(doc('x y y', 3));
    c.weights.addUserWeight('body$x@space', 0.25);
    const b = bytes((w) => c.weights.pack(w));
    const back = WeightManager.unpack(decodeOne(b));
    expect(back.snapshot()).toEqual(c.weights.snapshot());
    expect(hex(bytes((w) => back.pack(w)))).toBe(hex(b));
    expect(back.documentFrequency('body$y@space#tf/bm25')).toBe(1);
    expect(back.averageGroupLength('body@space#tf/bm25')).toBe(3);
  });

  it('unpacks integer counts and sums diff and master', () => {
    const b = encode([[3], [2, [{ k: 1 }], [{ g: 1 }], [{ g: 2.5 }], { u: 0.5 }], [1, [{ k: 2 }], [{ g: 1 }], [{ g: 1.5 }], {}]]);
    const wm = WeightManager.unpack(decodeOne(b));
    expect(wm.version).toBe(3);
    expect(wm.documentCount()).toBe(3);
    expect(wm.documentFrequency('k')).toBe(3);
    expect(wm.averageGroupLength('g')).toBe(2);
    expect(wm.userWeight('u')).toBe(0.5);
  });

  it.each([
    ['not an array', encode({})],
    ['wrong arity', encode([[0], [0, [{}], [{}], [{}], {}]])],
    ['bad version', encode([0, [0, [{}], [{}], [{}], {}], [0, [{}], [{}], [{}], {}]])],
    ['counter not wrapped', encode([[0], [0, {}, [{}], [{}], {}], [0, [{}], [{}], [{}], {}]])],
    ['string count', encode([[0], [0, [{ k: 'x' }], [{}], [{}], {}], [0, [{}], [{}], [{}], {}]])],
    ['negative document count', encode([[0], [-1, [{}], [{}], [{}], {}], [0, [{}], [{}], [{}], {}]])],
    // hand-written: a df map {1: 1} (integer key) — Jubatus keys are strings
    ['integer map key', Buffer.from('93910095009181010191809180809500918091809180' + '80', 'hex')],
  ])('rejects malformed input: %s', (_name, b) => {
    expect(() => WeightManager.unpack(decodeOne(b))).toThrow();
  });
});

describe('WeightManager MIX (spec §5.4)', () => {
  it('diff wire form is [keyword_weights, [version]] (spec §4.7 bytes after one MIX)', () => {
    const wm = new WeightManager();
    expect(wm.putDiff(wm.getDiff())).toBe(true);
    expect(hex(bytes((w) => wm.packDiff(w)))).toBe('92' + '9500918091809180' + '80' + '9101');
  });

  it('getDiff is a snapshot', () => {
    const c = bm25Converter();
    c.convertAndUpdateWeight(doc('a'));
    const d = c.weights.getDiff();
    c.convertAndUpdateWeight(doc('a'));
    expect(d.weights.documentCount).toBe(1);
    expect(d.weights.df.get('body$a@space#tf/bm25')).toBe(1);
  });

  it('mixes equal versions by summing, user weights from the incoming side', () => {
    const a = bm25Converter();
    const b = bm25Converter();
    a.convertAndUpdateWeight(doc('x y', 1));
    b.convertAndUpdateWeight(doc('y z z'));
    a.weights.addUserWeight('u', 1);
    b.weights.addUserWeight('u', 2);
    b.weights.addUserWeight('v', 3);
    const mixed = WeightManager.mixDiff(diffOf(a), diffOf(b));
    expect(mixed.version).toBe(0);
    expect(mixed.weights.documentCount).toBe(2);
    expect(Object.fromEntries(mixed.weights.df)).toEqual({
      'body$x@space#tf/bm25': 1, 'body$y@space#tf/bm25': 2, 'n@num': 1, 'body$z@space#tf/bm25': 1,
    });
    expect(mixed.weights.groupFreq.get('body@space#tf/bm25')).toBe(2);
    expect(mixed.weights.groupTotalLen.get('body@space#tf/bm25')).toBe(5);
    expect(Object.fromEntries(mixed.weights.userWeights)).toEqual({ u: 2, v: 3 });
  });

  it('keeps the newer diff when versions differ', () => {
    const older: WeightDiff = { version: 1, weights: { documentCount: 5, df: new Map([['k', 5]]), groupFreq: new Map(), groupTotalLen: new Map(), userWeights: new Map() } };
    const newer: WeightDiff = { version: 2, weights: { documentCount: 1, df: new Map([['k', 1]]), groupFreq: new Map(), groupTotalLen: new Map(), userWeights: new Map() } };
    expect(WeightManager.mixDiff(older, newer)).toBe(newer);
    expect(WeightManager.mixDiff(newer, older)).toBe(newer);
    expect(newer.weights.documentCount).toBe(1);
  });

  it('put_diff merges into master, clears diff and bumps the version; a stale diff is refused', () => {
    const a = bm25Converter();
    const b = bm25Converter();
    a.convertAndUpdateWeight(doc('x'));
    b.convertAndUpdateWeight(doc('x y'));
    const mixed = WeightManager.mixDiff(diffOf(a), diffOf(b));
    const wire = WeightManager.readDiff(decodeOne(bytes((w) => WeightManager.writeDiff(w, mixed))));
    expect(wire).toEqual(mixed);
    for (const c of [a, b]) {
      expect(c.weights.putDiff(wire)).toBe(true);
      expect(c.weights.version).toBe(1);
      const s = c.weights.snapshot();
      expect(s.diff.documentCount).toBe(0);
      expect(s.diff.df.size).toBe(0);
      expect(s.master.documentCount).toBe(2);
      expect(c.weights.documentFrequency('body$x@space#tf/bm25')).toBe(2);
    }
    // both servers now weigh queries with the same global statistics
    expect(a.convert(doc('x y'))).toEqual(b.convert(doc('x y')));
    // a diff built for version 0 no longer applies
    const before = a.weights.snapshot();
    expect(a.weights.putDiff(wire)).toBe(false);
    expect(a.weights.snapshot()).toEqual(before);
    // local updates after the MIX land in diff and add to master
    a.convertAndUpdateWeight(doc('x'));
    expect(a.weights.documentFrequency('body$x@space#tf/bm25')).toBe(3);
    expect(a.weights.getDiff().version).toBe(1);
  });

  it('clear() keeps the version', () => {
    const wm = new WeightManager();
    wm.putDiff(wm.getDiff());
    wm.updateDocumentFrequency(['k'], [1], false);
    wm.clear();
    expect(wm.documentCount()).toBe(0);
    expect(wm.version).toBe(1);
  });

  it('setWeights swaps in an unpacked manager', () => {
    const c = bm25Converter();
    c.convertAndUpdateWeight(doc('a b'));
    const b = bytes((w) => c.weights.pack(w));
    const fresh = bm25Converter();
    fresh.setWeights(WeightManager.unpack(decodeOne(b)));
    expect(fresh.convert(doc('a c'))).toEqual(c.convert(doc('a c')));
  });
});
