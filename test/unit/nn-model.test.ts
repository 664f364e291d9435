import { describe, expect, it } from 'vitest';
import type { FeatureVector } from '../../src/engine/datum.js';
import type { NnMethod } from '../../src/engine/nearest_neighbor/config.js';
import { NearestNeighborModel } from '../../src/engine/nearest_neighbor/model.js';

const fv = (o: Record<string, number>): FeatureVector => ({ keys: Object.keys(o).map((k) => `${k}@num`), values: Object.values(o) });
const model = (method: NnMethod, hashNum = 64, cacheSize = 0) => new NearestNeighborModel({ method, hashNum, threads: 0, cacheSize }, '127.0.0.1_9199');

describe('lsh scores (spec §4.5, §4.6)', () => {
  const m = model('lsh');
  m.setRow('x', fv({ x: 1 }));
  m.setRow('y', fv({ y: 1 }));
  m.setRow('xy', fv({ x: 1, y: 1 }));

  it('neighbor_row_from_id: h/H ascending, self first', () => {
    expect(m.neighborRowFromId('x', 10)).toEqual([['x', 0], ['xy', 13 / 64], ['y', 0.40625]]);
    expect(m.neighborRowFromId('x', 10)[1]![1]).toBe(0.203125);
  });

  it('similar_row_from_id: 1 − h/H descending', () => {
    expect(m.similarRowFromId('x', 3)).toEqual([['x', 1], ['xy', 1 - 0.203125], ['y', 0.59375]]);
  });

  it('from_fv uses the same signature as the stored row', () => {
    expect(m.neighborRowFromFv(fv({ x: 1 }), 2)).toEqual([['x', 0], ['xy', 0.203125]]);
    expect(m.similarRowFromFv(fv({ y: 5 }), 1)).toEqual([['y', 1]]);
  });

  it('size 0, unknown id and empty table give []', () => {
    expect(m.neighborRowFromId('x', 0)).toEqual([]);
    expect(m.similarRowFromFv(fv({ x: 1 }), 0)).toEqual([]);
    expect(m.neighborRowFromId('nope', 5)).toEqual([]);
    expect(model('lsh').similarRowFromFv(fv({ x: 1 }), 5)).toEqual([]);
    expect(model('euclid_lsh').neighborRowFromFv(fv({ x: 1 }), 5)).toEqual([]);
  });
});

describe('euclid_lsh scores', () => {
  const m = model('euclid_lsh');
  m.setRow('x', fv({ x: 1 }));
  m.setRow('y', fv({ y: 1 }));
  m.setRow('xy', fv({ x: 1, y: 1 }));

  it('reproduces the distances 1.1.1 answered exactly', () => {
    expect(m.neighborRowFromId('x', 3)).toEqual([['x', 0], ['xy', 0.8533381692856091], ['y', 1.1913986089848667]]);
  });

  it('similar = −distance, and the self match is −0', () => {
    const r = m.similarRowFromId('x', 3);
    expect(r.map((p) => p[0])).toEqual(['x', 'xy', 'y']);
    expect(Object.is(r[0]![1], -0)).toBe(true);
    expect(r[1]![1]).toBe(-0.8533381692856091);
    expect(r[2]![1]).toBe(-1.1913986089848667);
    expect(Object.is(m.neighborRowFromId('x', 1)[0]![1], 0)).toBe(true);
  });

  it('identical signatures score |nq − ni| (the hands-on −0.025)', () => {
    const h = model('euclid_lsh');
    h.setRow('a', fv({ x: 1 }));
    h.setRow('b', fv({ x: 1.025 }));
    const r = h.similarRowFromId('a', 5);
    expect(r[1]![0]).toBe('b');
    expect(r[1]![1]).toBe(-Math.abs(1 - 1.025));
  });

  it('ranks a mix of zero and non-zero Hamming rows by distance with a small heap', () => {
    const h = model('euclid_lsh');
    const rows: Array<[string, FeatureVector]> = [];
    for (let i = 0; i < 200; i++) rows.push([`r${i}`, fv({ x: Math.sin(i) * 3, y: Math.cos(i * 1.7) * 2, z: (i % 7) - 3 })]);
    for (const [id, v] of rows) h.setRow(id, v);
    const all = h.neighborRowFromId('r5', 200);
    for (const k of [1, 2, 7, 50]) expect(h.neighborRowFromId('r5', k)).toEqual(all.slice(0, k));
    for (let i = 1; i < all.length; i++) expect(all[i]![1]).toBeGreaterThanOrEqual(all[i - 1]![1]);
  });
});

describe('ties and overwrites (spec §4.3, §4.5)', () => {
  for (const method of ['lsh', 'minhash', 'euclid_lsh'] as const) {
    it(`${method}: identical rows rank by lower row index`, () => {
      const m = model(method);
      for (const id of ['c', 'a', 'd', 'b']) m.setRow(id, fv({ x: 2, y: 1 }));
      m.setRow('other', fv({ y: -3, z: 1 }));
      expect(m.neighborRowFromFv(fv({ x: 2, y: 1 }), 3).map((p) => p[0])).toEqual(['c', 'a', 'd']);
      expect(m.neighborRowFromId('b', 4).map((p) => p[0])).toEqual(['c', 'a', 'd', 'b']);
    });
  }

  it('overwrite keeps the row index and bumps the version clock', () => {
    const m = model('lsh');
    m.setRow('a', fv({ x: 1 }));
    m.setRow('b', fv({ y: 1 }));
    m.setRow('c', fv({ x: 1 }));
    m.setRow('a', fv({ y: 1 })); // now identical to b, still row 0
    expect(m.allRows()).toEqual(['a', 'b', 'c']);
    expect(m.neighborRowFromId('b', 2).map((p) => p[0])).toEqual(['a', 'b']);
    const t = m.table;
    expect(Array.from(t.clocks.subarray(0, 3))).toEqual([3, 1, 2]);
    expect(t.clock).toBe(4);
  });

  it('clear empties rows and clock', () => {
    const m = model('euclid_lsh');
    m.setRow('a', fv({ x: 1 }));
    m.clear();
    expect(m.size).toBe(0);
    expect(m.allRows()).toEqual([]);
    expect(m.table.clock).toBe(0);
    m.setRow('b', fv({ x: 1 }));
    expect(m.similarRowFromId('b', 1)).toEqual([['b', -0]]);
  });

  it('grows past its initial capacity without losing rows', () => {
    const m = model('lsh', 96);
    for (let i = 0; i < 3000; i++) m.setRow(`r${i}`, fv({ x: i % 13, y: (i % 5) - 2 }));
    expect(m.size).toBe(3000);
    expect(m.neighborRowFromId('r2999', 1)[0]).toEqual(['r9', 0]); // first row with direction (9, 2)
    expect(m.neighborRowFromId('r3', 2)).toEqual(m.neighborRowFromFv(fv({ x: 3, y: 1 }), 2));
  });
});
