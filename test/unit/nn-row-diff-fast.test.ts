/**
 * The table diff's fast paths (one-pass encoder, byte-compared row headers on scan, exactly-sized
 * fold) against the general msgpack writer and reader: same bytes, same rows, for long ids,
 * large clocks, several owners, H > 192 (raw16 signature header), with and without norms.
 */
import { describe, expect, it } from 'vitest';
import { NearestNeighborModel } from '../../src/engine/nearest_neighbor/model.js';
import { applyRun, decodeRun, encodeRuns, scanRowsExactly } from '../../src/engine/nearest_neighbor/row-diff.js';
import { RowTable } from '../../src/engine/nearest_neighbor/table.js';
import { diffRows, encodeTableDiff, putDiff, writeDiffRows, type DiffRow } from '../../src/engine/nearest_neighbor/table-codec.js';
import { MsgWriter } from '../../src/msgpack/writer.js';

function rowsOf(t: RowTable): DiffRow[] {
  return diffRows(t, new Map()).map((i) => ({
    id: t.ids[i]!,
    owner: t.owners[t.ownerIdx[i]!]!,
    clock: t.clocks[i]!,
    sig: t.sigs.slice(i * t.words, (i + 1) * t.words),
    norm: t.norms ? t.norms[i]! : 0,
  }));
}

function general(rows: DiffRow[], hashNum: number, hasNorm: boolean): Uint8Array {
  const w = new MsgWriter();
  writeDiffRows(w, rows, hashNum, hasNorm);
  return w.toBytes();
}

function table(hashNum: number, hasNorm: boolean, ids: string[]): RowTable {
  const t = new RowTable(hashNum, hasNorm);
  const owners = ['127.0.0.1_9199', '10.0.0.2_9200', 'ü-host_1'];
  const clocks = [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7];
  ids.forEach((id, k) => {
    const row = t.writeRaw(id, t.internOwner(owners[k % owners.length]!), clocks[k % clocks.length]!);
    for (let j = 0; j < t.words; j++) t.sigs[row * t.words + j] = (Math.imul(k + 1, 0x9e3779b1) ^ Math.imul(j + 1, 0x85ebca6b)) >>> 0;
    if (t.norms) t.norms[row] = k / 3;
  });
  return t;
}

const ids = (n: number) => Array.from({ length: n }, (_, k) => (k % 7 === 0 ? `long-id-${'x'.repeat(30 + k)}-${k}` : `r${k}`));

describe('table diff fast paths', () => {
  for (const [hashNum, hasNorm] of [[64, true], [64, false], [96, true], [256, false], [8, true]] as const) {
    it(`H=${hashNum}${hasNorm ? ' with norms' : ''}: the one-pass encoder writes the general writer's bytes`, () => {
      for (const n of [0, 3, 15, 16, 300]) {
        const t = table(hashNum, hasNorm, ids(n));
        expect(Buffer.from(encodeTableDiff(t, new Map())).equals(general(rowsOf(t), hashNum, hasNorm))).toBe(true);
      }
    });

    it(`H=${hashNum}${hasNorm ? ' with norms' : ''}: scan and apply read what was written; the fold concatenates`, () => {
      const t = table(hashNum, hasNorm, ids(40));
      const bytes = encodeTableDiff(t, new Map());
      const run = scanRowsExactly(bytes, hashNum, hasNorm);
      expect(decodeRun(run, hashNum, hasNorm)).toEqual(rowsOf(t));
      const half = scanRowsExactly(general(rowsOf(t).slice(0, 10), hashNum, hasNorm), hashNum, hasNorm);
      expect(Buffer.from(encodeRuns([half, run])).equals(general([...rowsOf(t).slice(0, 10), ...rowsOf(t)], hashNum, hasNorm))).toBe(true);
      // applyRun and the object path agree on every column and on both clocks.
      const fast = table(hashNum, hasNorm, ['r1', 'r2', 'zz']);
      const slow = table(hashNum, hasNorm, ['r1', 'r2', 'zz']);
      applyRun(fast, run);
      putDiff(slow, decodeRun(run, hashNum, hasNorm));
      expect(rowsOf(fast)).toEqual(rowsOf(slow));
      expect(fast.clock).toBe(slow.clock);
      expect([...fast.versionClock].sort()).toEqual([...slow.versionClock].sort());
    });
  }

  it('a non-ASCII id takes the general writer, with the same bytes', () => {
    const t = table(64, true, ['r1', 'идент', 'r3']);
    expect(Buffer.from(encodeTableDiff(t, new Map())).equals(general(rowsOf(t), 64, true))).toBe(true);
  });

  it('accepts non-minimal encodings of the column headers (the general path)', () => {
    const m = new NearestNeighborModel({ method: 'euclid_lsh', hashNum: 64, threads: 0, cacheSize: 0 }, 'o');
    m.setRow('a', { keys: ['x@num'], values: [1] });
    const canonical = encodeTableDiff(m.table, new Map());
    // Re-encode bit_num 64 as uint8 (0xcc 0x40) instead of a positive fixint.
    const at = Buffer.from(canonical).indexOf(Buffer.from([0x92, 0x92, 0x40]));
    const odd = Buffer.concat([canonical.subarray(0, at + 2), Buffer.from([0xcc, 0x40]), canonical.subarray(at + 3)]);
    expect(decodeRun(scanRowsExactly(odd, 64, true), 64, true)).toEqual(decodeRun(scanRowsExactly(canonical, 64, true), 64, true));
    expect(() => scanRowsExactly(odd, 128, true)).toThrow(/bit_num/);
  });
});
