import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../src/engine/nearest_neighbor/id-index.js';
import { RowTable } from '../../src/engine/nearest_neighbor/table.js';

describe('IdIndex', () => {
  it('finds every id across rehashes and misses unknown ones', () => {
    const ids: string[] = [];
    const ix = new IdIndex(ids);
    for (let i = 0; i < 5000; i++) {
      ids.push(i % 3 === 0 ? `é${i}🙂` : `id-${i}`);
      ix.add(i);
    }
    expect(ix.size).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(ix.get(ids[i]!)).toBe(i);
    expect(ix.get('id-5000')).toBeUndefined();
    expect(ix.get('')).toBeUndefined();
    expect(ix.byteLength).toBeGreaterThanOrEqual(5000 * 2 * 4);
    const fresh: string[] = [''];
    ix.reset(fresh);
    ix.add(0);
    expect(ix.get('')).toBe(0);
    expect(ix.get('id-1')).toBeUndefined();
  });
});

describe('RowTable', () => {
  it('appends new ids, keeps the row of known ids, and stamps versions', () => {
    const t = new RowTable(64, true, 2);
    const owner = t.internOwner('me');
    expect(t.internOwner('me')).toBe(owner);
    for (const id of ['a', 'b', 'c', 'b', 'd']) t.stamp(t.slotFor(id), owner);
    expect(t.ids.slice(0, t.size)).toEqual(['a', 'b', 'c', 'd']);
    expect(t.rowOf('b')).toBe(1);
    expect(Array.from(t.clocks.subarray(0, 4))).toEqual([0, 3, 2, 4]);
    expect(t.clock).toBe(5);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.rowOf('a')).toBeUndefined();
    expect(t.slotFor('z')).toBe(0);
  });

  it('reports bytes per row of its columns (H=64 euclid_lsh: 28 + index)', () => {
    const t = new RowTable(64, true, 1 << 16);
    for (let i = 0; i < 1 << 16; i++) t.slotFor(`r${i}`);
    // sig 8 + norm 8 + owner 4 + clock 8 = 28 bytes, plus 8 for the index at load 1/2.
    expect(t.columnBytes() / t.size).toBe(36);
  });
});
