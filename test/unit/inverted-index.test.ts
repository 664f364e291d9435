/**
 * The shared inverted index (engine spec §5.4, §6.4): norms, cosine and Euclidean top-k with
 * 1.1.1's tie order, removal, the MIX diff (wire form, fold, put_diff), two storages converging
 * through a MIX round, and the model-file form of the files 1.1.1 saved.
 */
import { describe, expect, it } from 'vitest';
import { decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import { getDiff, invertedIndexPart, mixDiff, putDiff, readDiff, writeDiff } from '../../src/engine/inverted_index/diff.js';
import { cosineTopK, euclidTopK } from '../../src/engine/inverted_index/query.js';
import { InvertedIndexStorage } from '../../src/engine/inverted_index/storage.js';
import type { FeatureVector } from '../../src/engine/datum.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { plain } from '../harness/reference.js';
import { bytes, packed } from '../harness/msgpack.js';

const fv = (o: Record<string, number>): FeatureVector => ({ keys: Object.keys(o), values: Object.values(o) });

function store(s: InvertedIndexStorage, row: string, o: Record<string, number>): void {
  for (const [k, v] of Object.entries(o)) s.set(k, row, v);
}

function sample(): InvertedIndexStorage {
  const s = new InvertedIndexStorage();
  store(s, 'r0', { a: 1, b: 2 });
  store(s, 'r1', { a: 3 });
  store(s, 'r2', { c: 1 });
  return s;
}

describe('inverted index storage', () => {
  it('keeps each row\'s squared norm through overwrites', () => {
    const s = sample();
    expect(s.squaredNorm(s.keys.idOf('r0')!)).toBe(5);
    s.set('b', 'r0', 1);
    expect(s.squaredNorm(s.keys.idOf('r0')!)).toBe(2);
    expect(s.rowCount).toBe(3);
  });

  it('scores cosine similarity through the posting lists, hand-computed', () => {
    // q = {a:1, b:1}: r0·q = 3, |r0| = √5, |q| = √2 → 3/√10; r1·q = 3, |r1| = 3 → 1/√2; r2 shares nothing.
    const got = cosineTopK(sample(), fv({ a: 1, b: 1 }), 10);
    expect(got).toEqual([['r0', 3 / Math.sqrt(5) / Math.sqrt(2)], ['r1', 3 / 3 / Math.sqrt(2)]]);
    expect(got[0]![1]).toBeCloseTo(0.9486832980505138, 15);
    expect(cosineTopK(sample(), fv({}), 10)).toEqual([]);
    expect(cosineTopK(sample(), fv({ a: 1 }), 0)).toEqual([]);
  });

  it('gives an identical vector exactly 1 and breaks ties by the later row', () => {
    const s = new InvertedIndexStorage();
    store(s, 'first', { a: 1 });
    store(s, 'second', { a: 2 });
    store(s, 'third', { a: 1, b: 1 });
    // first and second are both at cos 1 with {a:1}: 1.1.1's heap prefers the larger row id.
    expect(cosineTopK(s, fv({ a: 1 }), 2)).toEqual([['second', 1], ['first', 1]]);
  });

  it('ranks every row by Euclidean distance, rows sharing no feature included', () => {
    // q = {a:1}: r0 → √(1+5−2) = 2, r1 → √(1+9−6) = 2, r2 → √(1+1) = √2.
    expect(euclidTopK(sample(), fv({ a: 1 }), 10)).toEqual([['r2', -Math.SQRT2], ['r1', -2], ['r0', -2]]);
    expect(euclidTopK(sample(), fv({ a: 1 }), 1, true)).toEqual([['r1', -2]]);
    const self = euclidTopK(sample(), fv({ c: 1 }), 1);
    expect(self[0]![0]).toBe('r2');
    expect(Object.is(self[0]![1], -0)).toBe(true);
  });

  it('removes a row that only the diff knows at once', () => {
    const s = sample();
    s.remove('a', 'r1');
    s.markRowRemoved('r1');
    expect(cosineTopK(s, fv({ a: 1 }), 10).map((r) => r[0])).toEqual(['r0']);
    expect(s.allRowKeys().sort()).toEqual(['r0', 'r2']);
  });

  it('round-trips its model-file form', () => {
    const s = sample();
    const copy = new InvertedIndexStorage();
    copy.unpack(packed((w) => s.pack(w)))();
    expect(cosineTopK(copy, fv({ a: 1, b: 1 }), 10)).toEqual(cosineTopK(s, fv({ a: 1, b: 1 }), 10));
    expect(plain(packed((w) => copy.pack(w)))).toEqual(plain(packed((w) => s.pack(w))));
  });

  it('loads the storage 1.1.1 saved and writes it back field for field', () => {
    for (const name of ['classifier-cosine', 'classifier-euclidean', 'regression-cosine', 'regression-euclidean']) {
      const model = fixtureModel(name) as MsgValue[];
      const theirs = (model[0] as MsgValue[])[0]!;
      const s = new InvertedIndexStorage();
      s.unpack(theirs)();
      expect(plain(packed((w) => s.pack(w))), name).toEqual(plain(theirs));
      expect(s.rowCount, name).toBe(98);
    }
  });

  it('refuses a storage whose postings name rows it has no key for', () => {
    const s = sample();
    const v = packed((w) => s.pack(w)) as MsgValue[];
    const bad = [v[0]!, v[1]!, v[2]!, v[3]!, decodeOne(bytes((w) => {
      w.arrayHeader(3);
      w.mapHeader(0);
      w.mapHeader(0);
      w.int(0);
    }))];
    expect(() => new InvertedIndexStorage().unpack(bad)).toThrow(/next_id/);
  });
});

describe('inverted index MIX', () => {
  it('writes its diff as 1.1.1 does: postings by diff-local row id, norms by row key', () => {
    const s = new InvertedIndexStorage();
    store(s, 'r0', { x: 2 });
    const d = plain(packed((w) => writeDiff(w, getDiff(s))));
    expect(d).toEqual([[{ x: { 0: 2 } }, [{ r0: 0 }, { 0: 'r0' }, 1]], { r0: 4 }]);
    expect(readDiff(packed((w) => writeDiff(w, getDiff(s))))).toEqual(getDiff(s));
  });

  it('folds diffs: incoming values overwrite per (feature, row), norm changes add', () => {
    const acc = { rows: new Map([['a', new Map([['r0', 1], ['r1', 2]])]]), norms: new Map([['r0', 1], ['r1', 4]]) };
    const incoming = { rows: new Map([['a', new Map([['r1', 5]])], ['b', new Map([['r2', 1]])]]), norms: new Map([['r1', 21], ['r2', 1]]) };
    const m = mixDiff(acc, incoming);
    expect([...m.rows.get('a')!]).toEqual([['r0', 1], ['r1', 5]]);
    expect([...m.rows.get('b')!]).toEqual([['r2', 1]]);
    expect([...m.norms]).toEqual([['r0', 1], ['r1', 25], ['r2', 1]]);
  });

  it('put_diff moves everything to the master; a 0 value erases, a norm at or below 0 drops the row', () => {
    const s = sample();
    putDiff(s, getDiff(s));
    expect(s.diff.size).toBe(0);
    expect(cosineTopK(s, fv({ a: 1, b: 1 }), 10).map((r) => r[0])).toEqual(['r0', 'r1']);
    // Local removal after the MIX: kept in the diff as 0 until the next put_diff.
    s.remove('a', 'r1');
    s.markRowRemoved('r1');
    expect(s.diff.get('a')!.get(s.keys.idOf('r1')!)).toBe(0);
    expect(euclidTopK(s, fv({ a: 1 }), 10).map((r) => r[0])).toEqual(['r2', 'r0']);
    putDiff(s, getDiff(s));
    expect(s.master.get('a')!.has(s.keys.idOf('r1')!)).toBe(false);
    expect(s.squaredNorm(s.keys.idOf('r1')!)).toBe(0);
  });

  it('brings two servers to the same answers in one round', () => {
    const one = new InvertedIndexStorage();
    const two = new InvertedIndexStorage();
    store(one, 'a0', { x: 1, y: 2 });
    store(one, 'a1', { x: 3 });
    store(two, 'b0', { y: 1 });
    store(two, 'b1', { x: 1, z: 4 });
    const all = new InvertedIndexStorage();
    for (const [r, o] of [['a0', { x: 1, y: 2 }], ['a1', { x: 3 }], ['b0', { y: 1 }], ['b1', { x: 1, z: 4 }]] as const) store(all, r, o);

    const p1 = invertedIndexPart(() => one);
    const p2 = invertedIndexPart(() => two);
    const d1 = p1.unpackDiff(packed((w) => p1.packDiff(w)));
    const d2 = p2.unpackDiff(packed((w) => p2.packDiff(w)));
    const mixed = p1.mixDiff(d1, d2);
    const bytes = packed((w) => p1.writeDiff(w, mixed));
    expect(p1.putDiff(p1.unpackDiff(bytes))).toBe(true);
    expect(p2.putDiff(p2.unpackDiff(bytes))).toBe(true);

    // No two rows tie for this query: a tie would be broken by row id, and ids are local to a server.
    const q = fv({ x: 1, y: 2 });
    for (const s of [one, two]) {
      expect(cosineTopK(s, q, 10)).toEqual(cosineTopK(all, q, 10).map(([k, v]) => [k, expect.closeTo(v, 12)]));
      const e = euclidTopK(s, q, 10);
      expect(new Set(e.map((r) => r[0]))).toEqual(new Set(['a0', 'a1', 'b0', 'b1']));
      expect(e.map((r) => r[1])).toEqual(euclidTopK(all, q, 10).map((r) => expect.closeTo(r[1], 12)));
    }
  });
});
