import { decode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import { NearestNeighborEngine, diffRowsOf, nearestNeighborFactory } from '../../src/engine/nearest_neighbor/service.js';
import type { RowRun } from '../../src/engine/nearest_neighbor/row-diff.js';
import { ConfigError } from '../../src/errors.js';
import { decodeOne, MsgpackError } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { bytes } from '../harness/msgpack.js';

const OWNER = '127.0.0.1_19591';
const numDatum = (o: Record<string, number>): Datum => ({ stringValues: [], numValues: Object.entries(o), binaryValues: [] });
const config = (method: string, parameter: Record<string, unknown> = { hash_num: 64 }, converter: unknown = { num_rules: [{ key: '*', type: 'num' }] }) => ({ method, parameter, converter });
const engine = (method = 'euclid_lsh', parameter?: Record<string, unknown>, converter?: unknown) =>
  nearestNeighborFactory.create(config(method, parameter, converter), { owner: OWNER }) as NearestNeighborEngine;

describe('nearest_neighbor service (spec §4.1, §4.5, §4.6)', () => {
  it('answers the 1.1.1 reference distances end to end', () => {
    const e = engine();
    expect(e.type).toBe('nearest_neighbor');
    expect(e.userDataVersion).toBe(1);
    expect(e.set_row('x', numDatum({ x: 1 }))).toBe(true);
    e.set_row('y', numDatum({ y: 1 }));
    e.set_row('xy', numDatum({ x: 1, y: 1 }));
    expect(e.neighbor_row_from_id('x', 5)).toEqual([['x', 0], ['xy', 0.8533381692856091], ['y', 1.1913986089848667]]);
    const sim = e.similar_row_from_id('x', 5);
    expect(Object.is(sim[0]![1], -0)).toBe(true);
    expect(sim.slice(1)).toEqual([['xy', -0.8533381692856091], ['y', -1.1913986089848667]]);
    expect(e.neighbor_row_from_datum(numDatum({ x: 1 }), 1)).toEqual([['x', 0]]);
    expect(e.similar_row_from_datum(numDatum({ y: 1 }), 0)).toEqual([]);
    expect(e.get_all_rows()).toEqual(['x', 'y', 'xy']);
  });

  it('lsh scores through the converter', () => {
    const e = engine('lsh');
    e.set_row('x', numDatum({ x: 1 }));
    e.set_row('y', numDatum({ y: 1 }));
    e.set_row('xy', numDatum({ x: 1, y: 1 }));
    expect(e.neighbor_row_from_id('x', 3)).toEqual([['x', 0], ['xy', 0.203125], ['y', 0.40625]]);
    expect(e.similar_row_from_datum(numDatum({ x: 2 }), 3)).toEqual([['x', 1], ['xy', 0.796875], ['y', 0.59375]]);
    expect(e.similar_row_from_id('unknown', 3)).toEqual([]);
  });

  it('set_row overwrites, status counts set_row calls and rows; clear resets both', () => {
    const e = engine();
    e.set_row('a', numDatum({ x: 1 }));
    e.set_row('b', numDatum({ y: 1 }));
    e.set_row('a', numDatum({ y: 1 }));
    expect(e.get_all_rows()).toEqual(['a', 'b']);
    expect(e.status()).toEqual({ update_row_cnt: '3', data: '2' });
    expect(e.similar_row_from_id('b', 2).map((p) => p[0])).toEqual(['a', 'b']);
    expect(e.clear()).toBe(true);
    expect(e.status()).toEqual({ update_row_cnt: '0', data: '0' });
    expect(e.get_all_rows()).toEqual([]);
    expect(e.neighbor_row_from_datum(numDatum({ x: 1 }), 3)).toEqual([]);
  });

  it('clear also drops the idf statistics', () => {
    const conv = { string_rules: [{ key: '*', type: 'space', sample_weight: 'bin', global_weight: 'idf1' }] };
    const e = engine('lsh', { hash_num: 64 }, conv);
    e.set_row('a', { stringValues: [['t', 'red fox']], numValues: [], binaryValues: [] });
    expect(e.converter.weights.documentCount()).toBe(1);
    e.clear();
    expect(e.converter.weights.documentCount()).toBe(0);
  });

  it('rejects bad configs naming the key, including converter keys', () => {
    const err = (c: unknown) => {
      try {
        nearestNeighborFactory.create(c, { owner: '' });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).path;
      }
      throw new Error('no error');
    };
    expect(err(config('euclid_lsh', { hash_num: 64, table_num: 4 }))).toBe('parameter.table_num');
    expect(err(config('lsh', {}))).toBe('parameter.hash_num');
    expect(err(config('lsh', { hash_num: 64 }, { num_rulez: [] }))).toBe('converter.num_rulez');
  });
});

describe('model pack / unpack (spec §4.8)', () => {
  const filled = (method = 'euclid_lsh') => {
    const e = engine(method);
    e.set_row('a', numDatum({ x: 1 }));
    e.set_row('b', numDatum({ y: 2 }));
    return e;
  };

  it('writes [table, weight_manager] in the 1.1.1 shape', () => {
    const d = decode(bytes((w) => filled().packModel(w)), { useBigInt64: true }) as unknown[];
    expect(d.length).toBe(2);
    expect(d[0]).toEqual([
      ['a', 'b'], 2, [[[OWNER], 0], [[OWNER], 1]],
      [[[10, 64], [0x49127677c7920faan, 0x4df020722a596babn]], [[9, 0], [1, 2]]],
      2, { a: 0, b: 1 },
    ]);
    const wm = d[1] as unknown[];
    expect(wm.length).toBe(3);
    expect((wm[1] as unknown[]).length).toBe(5);
    expect((wm[2] as unknown[]).length).toBe(5);
  });

  for (const method of ['lsh', 'minhash', 'euclid_lsh']) {
    it(`${method}: round trip restores rows, scores and bytes`, () => {
      const e = filled(method);
      e.set_row('c', numDatum({ x: 1, y: -1 }));
      const b = bytes((w) => e.packModel(w));
      const f = engine(method);
      f.set_row('junk', numDatum({ z: 1 }));
      f.unpackModel(decodeOne(b));
      expect(f.get_all_rows()).toEqual(['a', 'b', 'c']);
      expect(f.similar_row_from_id('c', 3)).toEqual(e.similar_row_from_id('c', 3));
      expect(Buffer.from(bytes((w) => f.packModel(w)))).toEqual(Buffer.from(b));
    });
  }

  it('garbage throws and leaves the model untouched', () => {
    const e = filled();
    const before = bytes((w) => e.packModel(w));
    const good = decodeOne(before) as unknown[];
    const cases: unknown[] = [null, 5, [], [good[0]], [good[0], [1, 2]], [[1, 2, 3, 4, 5, 6], good[1]]];
    for (const c of cases) {
      const v = c === null ? null : decodeOne(bytes((w) => encodeLoose(w, c)));
      expect(() => e.unpackModel(v as never)).toThrow(MsgpackError);
      expect(Buffer.from(bytes((w) => e.packModel(w)))).toEqual(Buffer.from(before));
    }
    // A model saved with another hash_num does not fit this config.
    const other = engine('euclid_lsh', { hash_num: 32 });
    expect(() => other.unpackModel(decodeOne(before))).toThrow(/does not match/);
    expect(other.get_all_rows()).toEqual([]);
  });
});

describe('MIX diff (spec §4.7)', () => {
  it('get_diff payload: table part matches the verified 1.1.1 bytes', () => {
    const e = engine();
    e.set_row('a', numDatum({ x: 1 }));
    e.set_row('b', numDatum({ y: 2 }));
    const hex = Buffer.from(bytes((w) => e.linearMixable().packDiff(w))).toString('hex');
    const owner = Buffer.from(OWNER).toString('hex');
    const table = '92da0057' + '92' +
      `93a1619291af${owner}00929240a849127677c7920faacb3ff0000000000000` +
      `93a1629291af${owner}01929240a84df020722a596babcb4000000000000000`;
    expect(hex.startsWith(table)).toBe(true);
    // The rest is the weight manager diff [[0, [{}], [{}], [{}], {}], [version]].
    expect(hex.slice(table.length, -2)).toBe('92950091809180918080' + '91');
  });

  it('two servers converge after a round of get_diff → mix → put_diff', () => {
    const s1 = nearestNeighborFactory.create(config('lsh'), { owner: 'h1_1' }) as NearestNeighborEngine;
    const s2 = nearestNeighborFactory.create(config('lsh'), { owner: 'h2_1' }) as NearestNeighborEngine;
    s1.set_row('a', numDatum({ x: 1 }));
    s2.set_row('b', numDatum({ y: 1 }));
    s2.set_row('a', numDatum({ y: 3 }));
    const [m1, m2] = [s1.linearMixable(), s2.linearMixable()];
    const d1 = m1.unpackDiff(decodeOne(bytes((w) => m1.packDiff(w))));
    const d2 = m2.unpackDiff(decodeOne(bytes((w) => m2.packDiff(w))));
    const mixed = m1.mixDiff(d1, d2);
    const wire = bytes((w) => m1.writeDiff(w, mixed));
    for (const m of [m1, m2]) expect(m.putDiff(m.unpackDiff(decodeOne(wire)))).toBe(true);
    // s2's "a" has clock 1 > s1's clock 0, so it wins on both.
    expect(s1.similar_row_from_id('b', 2)).toEqual([['a', 1], ['b', 1]]);
    expect(s2.similar_row_from_id('b', 2)).toEqual([['b', 1], ['a', 1]]);
    const again = m1.unpackDiff(decodeOne(bytes((w) => m1.packDiff(w))));
    expect(diffRowsOf(again[0] as RowRun[], 64, false)).toEqual([]);
  });
});

/** Encodes plain JS test data (strings as raw). */
function encodeLoose(w: MsgWriter, x: unknown): void {
  if (typeof x === 'string') w.str(x);
  else if (typeof x === 'number') (Number.isInteger(x) ? w.int(x) : w.float64(x));
  else if (typeof x === 'bigint') w.int(x);
  else if (x instanceof Uint8Array) w.raw(x);
  else if (Array.isArray(x)) {
    w.arrayHeader(x.length);
    for (const y of x) encodeLoose(w, y);
  } else if (x && typeof x === 'object' && 'entries' in x) {
    const entries = (x as { entries: Array<[unknown, unknown]> }).entries;
    w.mapHeader(entries.length);
    for (const [k, v] of entries) { encodeLoose(w, k); encodeLoose(w, v); }
  } else w.nil();
}
