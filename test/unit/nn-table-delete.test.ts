/**
 * Row deletion in the nearest_neighbor column table (used by the NN classifier's delete_label and
 * the NN unlearners): 1.1.1 moves the last row into the hole and bumps the clock; the id index
 * must keep finding every row through thousands of interleaved inserts and deletes.
 */
import { describe, expect, it } from 'vitest';
import { RowTable } from '../../src/engine/nearest_neighbor/table.js';
import { rng } from '../harness/random.js';

function put(t: RowTable, id: string, tag: number): void {
  const row = t.slotFor(id);
  t.sigs[row * t.words] = tag;
  t.norms![row] = tag / 2;
  t.stamp(row, 0);
}

describe('RowTable.deleteRow', () => {
  it('moves the last row into the hole and moves the clock on', () => {
    const t = new RowTable(64, true, 4, false);
    t.internOwner('');
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) put(t, id, i + 1);
    expect(t.deleteRow('b')).toBe(true);
    expect(t.deleteRow('b')).toBe(false);
    expect(t.ids).toEqual(['a', 'd', 'c']);
    expect([t.rowOf('a'), t.rowOf('d'), t.rowOf('c'), t.rowOf('b')]).toEqual([0, 1, 2, undefined]);
    expect(t.sigs[1 * t.words]).toBe(4);
    expect(t.norms![1]).toBe(2);
    expect(t.clocks[1]).toBe(3);
    expect(t.clock).toBe(5);
    expect(t.deleteRow('c')).toBe(true);
    expect(t.ids).toEqual(['a', 'd']);
  });

  it('keeps the id index exact through many inserts and deletes', () => {
    const rand = rng(7);
    for (const wasm of [false, true]) {
      const t = new RowTable(32, true, 16, wasm);
      t.internOwner('');
      const live: string[] = [];
      let next = 0;
      for (let step = 0; step < 5000; step++) {
        if (live.length > 0 && rand() < 0.45) {
          const i = Math.floor(rand() * live.length);
          const id = live[i]!;
          const row = t.rowOf(id)!;
          expect(t.deleteRow(id)).toBe(true);
          // The model: the last row takes the deleted one's place.
          live[i] = live[live.length - 1]!;
          live.pop();
          expect(t.ids.length).toBe(live.length);
          if (row < t.size) expect(t.rowOf(t.ids[row]!)).toBe(row);
        } else {
          const id = `r${next++}`;
          put(t, id, next);
          live.push(id);
        }
      }
      for (const id of live) expect(t.ids[t.rowOf(id)!]).toBe(id);
      expect(t.ids).toEqual(live);
      expect(t.rowOf('r-none')).toBeUndefined();
    }
  });
});
