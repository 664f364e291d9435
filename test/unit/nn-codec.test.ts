import { decode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { FeatureVector } from '../../src/engine/datum.js';
import type { NnMethod } from '../../src/engine/nearest_neighbor/config.js';
import { NearestNeighborModel } from '../../src/engine/nearest_neighbor/model.js';
import { diffRows, packDiff, packTable, putDiff, unpackDiff, unpackTable } from '../../src/engine/nearest_neighbor/table-codec.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { decodeOne } from '../../src/msgpack/reader.js';
import { bytes } from '../harness/msgpack.js';

const fv = (o: Record<string, number>): FeatureVector => ({ keys: Object.keys(o).map((k) => `${k}@num`), values: Object.values(o) });
const OWNER = '127.0.0.1_19591';
const model = (method: NnMethod, hashNum = 64) => new NearestNeighborModel({ method, hashNum, threads: 0, cacheSize: 0 }, OWNER);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('MIX table diff (spec §4.7)', () => {
  it('reproduces the verified get_diff bytes of 1.1.1 for the table part', () => {
    const m = model('euclid_lsh');
    m.setRow('a', fv({ x: 1 }));
    m.setRow('b', fv({ y: 2 }));
    const inner = bytes((w) => packDiff(w, m.table));
    const wrapped = bytes((w) => w.raw(inner));
    const owner = Buffer.from(OWNER).toString('hex');
    const want =
      'da0057' + '92' +
      `93a161 9291af${owner}00 929240a8 49127677c7920faa cb3ff0000000000000` +
      `93a162 9291af${owner}01 929240a8 4df020722a596bab cb4000000000000000`;
    expect(hex(wrapped)).toBe(want.replace(/ /g, ''));
  });

  it('lsh rows carry only the bit column; H=96 uses two big-endian blocks', () => {
    const m = model('lsh', 96);
    m.setRow('a', fv({ x: 1 }));
    // Old-spec raw is new-spec str; rawStrings keeps the signature bytes intact.
    const d = decode(bytes((w) => packDiff(w, m.table)), { rawStrings: true }) as unknown[][];
    expect(Buffer.from(d[0]![0] as Uint8Array).toString()).toBe('a');
    const cols = d[0]![2] as unknown[][];
    expect(cols.length).toBe(1);
    expect(cols[0]![0]).toBe(96);
    const raw = cols[0]![1] as Uint8Array;
    expect(raw.length).toBe(16);
    // Bits 0..63 are the H=64 signature (the Gaussian stream is a prefix stream); bits 96..127 unused.
    expect(hex(raw.subarray(0, 8))).toBe('49127677c7920faa');
    expect(hex(raw.subarray(8, 12))).toBe('00000000');
  });

  it('get_diff only sends rows newer than the version clock; put_diff upserts by clock', () => {
    const a = model('euclid_lsh');
    a.setRow('p', fv({ x: 1 }));
    a.setRow('q', fv({ y: 1 }));
    const b = new NearestNeighborModel({ method: 'euclid_lsh', hashNum: 64, threads: 0, cacheSize: 0 }, 'other_1');
    b.setRow('q', fv({ x: 5 })); // clock 0 < a's q (clock 1): overwritten
    b.setRow('r', fv({ z: 1 }));
    const diffA = unpackDiff(decodeOne(bytes((w) => packDiff(w, a.table))), 64, true);
    const diffB = unpackDiff(decodeOne(bytes((w) => packDiff(w, b.table))), 64, true);
    const mixed = [...diffB, ...diffA];
    putDiff(a.table, mixed);
    putDiff(b.table, mixed);
    for (const m of [a, b]) {
      expect(m.neighborRowFromId('q', 1)).toEqual([[m === a ? 'q' : 'q', 0]]);
      expect(m.table.versionClock.get(OWNER)).toBe(1);
      expect(m.table.versionClock.get('other_1')).toBe(1);
      expect(m.table.clock).toBe(2);
      expect(diffRows(m.table)).toEqual([]);
    }
    expect(a.allRows()).toEqual(['p', 'q', 'r']);
    expect(b.allRows()).toEqual(['q', 'r', 'p']);
    // q now carries a's version and vector everywhere.
    const qb = b.table.rowOf('q')!;
    expect(b.table.owners[b.table.ownerIdx[qb]!]).toBe(OWNER);
    expect(b.table.norms![qb]).toBe(1);
    // A new local write is the only row in the next diff.
    a.setRow('s', fv({ x: 2 }));
    expect(diffRows(a.table).map((i) => a.table.ids[i])).toEqual(['s']);
    expect(a.table.clocks[a.table.rowOf('s')!]).toBe(2);
  });

  it('rejects a diff for another hash_num', () => {
    const m = model('lsh');
    m.setRow('a', fv({ x: 1 }));
    const v = decodeOne(bytes((w) => packDiff(w, m.table)));
    expect(() => unpackDiff(v, 128, false)).toThrow(/bit_num/);
  });
});

describe('model-file table (spec §4.8)', () => {
  it('has the exact shape: keys, tuples, versions, columns, clock, index', () => {
    const m = model('euclid_lsh');
    m.setRow('a', fv({ x: 1 }));
    m.setRow('b', fv({ y: 2 }));
    m.setRow('a', fv({ x: 1, y: 1 }));
    const t = decode(bytes((w) => packTable(w, m.table)), { useBigInt64: true }) as unknown[];
    expect(t.length).toBe(6);
    expect(t[0]).toEqual(['a', 'b']);
    expect(t[1]).toBe(2);
    expect(t[2]).toEqual([[[OWNER], 2], [[OWNER], 1]]);
    expect(t[3]).toEqual([
      [[10, 64], [0x4dd23476ef504fabn, 0x4df020722a596babn]],
      [[9, 0], [Math.SQRT2, 2]],
    ]);
    expect(t[4]).toBe(3);
    expect(t[5]).toEqual({ a: 0, b: 1 }); // @msgpack/msgpack decodes maps as objects
  });

  it('writes blocks in their smallest integer form and norms as float64', () => {
    const m = model('euclid_lsh');
    m.setRow('e', fv({})); // all-zero signature, norm 0
    const b = bytes((w) => packTable(w, m.table));
    // [[10,64],[0]] then [[9,0],[0.0 as float64]]
    expect(hex(b)).toContain('92920a4091009292090091cb0000000000000000');
  });

  for (const method of ['lsh', 'minhash', 'euclid_lsh'] as const) {
    for (const H of [64, 96, 8]) {
      it(`${method} H=${H}: pack → unpack → pack is byte-identical and searches agree`, () => {
        const m = model(method, H);
        for (let i = 0; i < 50; i++) m.setRow(`r${i % 40}`, fv({ x: Math.sin(i), y: Math.cos(i * 3), z: i % 4 }));
        const b1 = bytes((w) => packTable(w, m.table));
        const t2 = unpackTable(decodeOne(b1), H, method === 'euclid_lsh');
        expect(hex(bytes((w) => packTable(w, t2)))).toBe(hex(b1));
        const m2 = model(method, H);
        m2.replaceTable(t2);
        expect(m2.neighborRowFromId('r7', 10)).toEqual(m.neighborRowFromId('r7', 10));
        m2.setRow('new', fv({ x: 1 }));
        expect(m2.table.clocks[m2.table.rowOf('new')!]).toBe(50);
      });
    }
  }

  it('rejects malformed tables', () => {
    const m = model('euclid_lsh');
    m.setRow('a', fv({ x: 1 }));
    const good = decode(bytes((w) => packTable(w, m.table)), { useBigInt64: true }) as unknown[];
    const enc = (v: unknown) => {
      const w = new MsgWriter();
      const walk = (x: unknown): void => {
        if (typeof x === 'string') w.str(x);
        else if (typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x))) w.int(x as number);
        else if (typeof x === 'number') w.float64(x);
        else if (Array.isArray(x)) { w.arrayHeader(x.length); x.forEach(walk); }
        else if (x instanceof Uint8Array || x === null) w.nil();
        else if (typeof x === 'object') { const e = Object.entries(x); w.mapHeader(e.length); for (const [k, y] of e) { walk(k); walk(y); } }
        else w.nil();
      };
      walk(v);
      return decodeOne(w.toBytes());
    };
    expect(() => unpackTable(enc(good), 64, true)).not.toThrow();
    const bad = (f: (t: unknown[]) => void) => {
      const t = structuredClone(good);
      f(t);
      return enc(t);
    };
    expect(() => unpackTable(enc([1, 2]), 64, true)).toThrow(/table/);
    expect(() => unpackTable(enc(good), 128, true)).toThrow(/does not match/);
    expect(() => unpackTable(enc(good), 64, false)).toThrow(/columns/);
    expect(() => unpackTable(bad((t) => { t[1] = 5; }), 64, true)).toThrow(/tuples/);
    expect(() => unpackTable(bad((t) => { (t[3] as unknown[][])[0]![1] = []; }), 64, true)).toThrow(/blocks/);
    expect(() => unpackTable(bad((t) => { (t[3] as unknown[][])[0]![1] = [-1]; }), 64, true)).toThrow(/uint64/);
    expect(() => unpackTable(bad((t) => { t[5] = { a: 3 }; }), 64, true)).toThrow(/index/);
    expect(() => unpackTable(bad((t) => { (t[2] as unknown[])[0] = ['x', 0]; }), 64, true)).toThrow(/owner/);
  });
});
