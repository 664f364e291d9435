/** The recommender's stored rows (orig.ts): merge semantics, feature-id order, removal, compaction, codec. */
import { describe, expect, it } from 'vitest';
import { OrigStorage } from '../../src/engine/recommender/orig.js';
import { packed } from '../harness/msgpack.js';

const fv = (pairs: Array<[string, number]>) => ({ keys: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) });

describe('OrigStorage', () => {
  it('merges: given keys replace, others stay; rows read back in first-seen feature order; later duplicates win', () => {
    const o = new OrigStorage();
    o.setRow('a', fv([['y', 1], ['x', 2]]));
    o.setRow('b', fv([['z', 3]]));
    o.setRow('a', fv([['z', 4], ['y', 5], ['z', 6]]));
    expect(o.getRow('a')).toEqual(fv([['y', 5], ['x', 2], ['z', 6]]));
    expect(o.getRow('b')).toEqual(fv([['z', 3]]));
    expect(o.getRow('nope')).toEqual(fv([]));
  });

  it('removal moves the last row into the slot and keeps every other row intact', () => {
    const o = new OrigStorage();
    for (let i = 0; i < 5; i++) o.setRow(`r${i}`, fv([[`f${i}`, i], ['common', -i]]));
    expect(o.removeRow('r1')).toBe(true);
    expect(o.removeRow('r1')).toBe(false);
    expect(o.size).toBe(4);
    // `common` got its id with r0, after f0 and before f1…
    expect(o.getRow('r0')).toEqual(fv([['f0', 0], ['common', -0]]));
    for (const i of [2, 3, 4]) expect(o.getRow(`r${i}`)).toEqual(fv([['common', -i], [`f${i}`, i]]));
  });

  it('survives many growing merges (arena growth and compaction) with every row exact', () => {
    const o = new OrigStorage();
    const want = new Map<string, Map<string, number>>();
    for (let step = 0; step < 3000; step++) {
      const id = `r${step % 97}`;
      const pairs: Array<[string, number]> = [[`k${step % 13}`, step], [`k${(step * 7) % 31}`, -step]];
      o.setRow(id, fv(pairs));
      const m = want.get(id) ?? new Map<string, number>();
      for (const [k, v] of pairs) m.set(k, v);
      want.set(id, m);
      if (step % 500 === 499) {
        o.removeRow(`r${step % 97}`);
        want.delete(`r${step % 97}`);
      }
    }
    for (const [id, m] of want) {
      const r = o.getRow(id);
      expect(new Map(r.keys.map((k, i) => [k, r.values[i]!]))).toEqual(m);
      expect([...r.keys].sort((a, b) => o.columns.idOf(a) - o.columns.idOf(b))).toEqual(r.keys);
    }
    const copy = new OrigStorage();
    copy.unpack(packed((w) => o.pack(w)))();
    for (const id of want.keys()) expect(copy.getRow(id)).toEqual(o.getRow(id));
    expect(copy.size).toBe(o.size);
  });

  it('refuses a row naming an unknown column', () => {
    const o = new OrigStorage();
    o.setRow('a', fv([['x', 1]]));
    const v = packed((w) => o.pack(w)) as unknown[];
    const noColumns = packed((w) => new OrigStorage().pack(w)) as unknown[];
    expect(() => new OrigStorage().unpack([v[0], noColumns[1]] as never)).toThrow('unknown column 0');
  });
});
