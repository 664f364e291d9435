import { describe, expect, it } from 'vitest';
import { SCAN_BLOCK, WasmSigStore, wasmScanAvailable } from '../../src/engine/nearest_neighbor/scan-wasm.js';
import { cosTable, rankEuclid, rankHamming } from '../../src/engine/nearest_neighbor/search.js';
import { RowTable } from '../../src/engine/nearest_neighbor/table.js';
import { popcount, rng } from '../harness/random.js';


function randomWord(r: () => number, bits: number): number {
  const word = (r() * 2 ** 32) >>> 0;
  return bits >= 32 ? word : word & ((1 << bits) - 1);
}

/**
 * The same rows written into a wasm-backed and a plain table. Signatures come from a small pool,
 * some with a few bits flipped, and norms from a short list, so equal scores are everywhere.
 */
function twinTables(H: number, n: number, seed: number): [RowTable, RowTable] {
  const r = rng(seed);
  const wasm = new RowTable(H, true, 1);
  const js = new RowTable(H, true, 1, false);
  const W = wasm.words;
  const pool = Array.from({ length: 25 }, () => Array.from({ length: W }, (_, w) => randomWord(r, H - 32 * w)));
  const norms = [0, 0.5, 1, 1, 2, Math.SQRT2, 3.25];
  for (let i = 0; i < n; i++) {
    const sig = pool[Math.floor(r() * pool.length)]!.slice();
    if (r() < 0.3) {
      const b = Math.floor(r() * H);
      sig[b >> 5] = (sig[b >> 5]! ^ (1 << (b & 31))) >>> 0;
    }
    const norm = norms[Math.floor(r() * norms.length)]!;
    for (const t of [wasm, js]) {
      const row = t.slotFor(`r${i}`);
      t.sigs.set(sig, row * W);
      t.norms![row] = norm;
      t.stamp(row, 0);
    }
  }
  return [wasm, js];
}

describe('wasm scan', () => {
  it('is available on this runtime (the engine would silently fall back to JS otherwise)', () => {
    expect(wasmScanAvailable()).toBe(true);
    expect(new RowTable(64, true).scanner).not.toBeNull();
  });

  it('reports exactly the rows within the bound, in row order, for 1 to 6 words per row', () => {
    const r = rng(5);
    for (let W = 1; W <= 6; W++) {
      const rows = 3 * SCAN_BLOCK;
      const store = WasmSigStore.create(W, rows)!;
      for (let i = 0; i < rows * W; i++) store.sigs[i] = randomWord(r, 32);
      const q = Uint32Array.from({ length: W + 3 }, () => randomWord(r, 32));
      const qOff = 3;
      for (const [from, len] of [[0, 0], [0, 1], [7, 3], [5, 4], [9, 5], [1, 4095], [SCAN_BLOCK + 3, SCAN_BLOCK], [2 * SCAN_BLOCK, SCAN_BLOCK]] as const) {
        for (const bound of [0, 13 * W, 16 * W, 32 * W]) {
          const expected: number[] = [];
          for (let i = from; i < from + len; i++) {
            let h = 0;
            for (let w = 0; w < W; w++) h += popcount((q[qOff + w]! ^ store.sigs[i * W + w]!) >>> 0);
            if (h <= bound) expected.push(i, h);
          }
          const c = store.scan(q, qOff, from, from + len, bound);
          expect(Array.from(store.out.subarray(0, 2 * c))).toEqual(expected);
        }
      }
    }
  });

  it('keeps rows in place when the memory grows, and refreshes the views', () => {
    const store = WasmSigStore.create(2, 4)!;
    store.sigs.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const old = store.sigs;
    expect(store.grow(100_000)).toBe(true);
    // Shared memory never moves: the old view still reads the same rows, the new one is longer.
    expect(Array.from(old.subarray(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(store.sigs.length).toBeGreaterThanOrEqual(200_000);
    expect(store.capacity).toBeGreaterThanOrEqual(100_000);
    expect(Array.from(store.sigs.subarray(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(store.byteLength).toBeGreaterThanOrEqual(800_000);
  });
});

describe('scanners of other threads', () => {
  it('attach to the same rows and scan with their own scratch slot', () => {
    const store = WasmSigStore.create(3, 64)!;
    for (let i = 0; i < 64; i++) store.sigs.set([i, 0, i & 1], i * 3);
    const other = WasmSigStore.attach(structuredClone(store.shared), 5);
    const q0 = new Uint32Array([0, 0, 0]), q1 = new Uint32Array([63, 0, 1]);
    const n0 = store.scan(q0, 0, 0, 64, 0);
    const n1 = other.scan(q1, 0, 0, 64, 0);
    // Each kept its own survivors: the second scan did not overwrite the first's.
    expect([n0, Array.from(store.out.subarray(0, 2))]).toEqual([1, [0, 0]]);
    expect([n1, Array.from(other.out.subarray(0, 2))]).toEqual([1, [63, 0]]);
    // Rows written after the attach (even past a growth) are seen once the views refresh.
    store.grow(5000);
    store.sigs.set([7, 7, 7], 4999 * 3);
    other.views();
    expect(other.scan(new Uint32Array([7, 7, 7]), 0, 4990, 5000, 0)).toBe(1);
    expect(other.out[0]).toBe(4999);
    expect(() => WasmSigStore.attach(store.shared, 0)).toThrow(/scan slot 0 outside 1\.\.63/);
  });
});

describe('the wasm path ranks exactly like the JS path', () => {
  for (const H of [64, 128, 96, 20]) {
    it(`H=${H}: rankEuclid and rankHamming agree on 15000 rows with many ties`, () => {
      const [wt, jt] = twinTables(H, 15000, H + 1);
      expect(wt.scanner).not.toBeNull();
      expect(jt.scanner).toBeNull();
      expect(Array.from(wt.sigs.subarray(0, wt.size * wt.words))).toEqual(Array.from(jt.sigs.subarray(0, jt.size * jt.words)));
      const cos = cosTable(H);
      const r = rng(H);
      for (let trial = 0; trial < 8; trial++) {
        const row = Math.floor(r() * wt.size);
        const q = wt.sigs.slice(row * wt.words, (row + 1) * wt.words);
        if (trial % 2 === 1) q[0] = (q[0]! ^ 0x11) >>> 0;
        const nq = [wt.norms![row]!, 0.75, 1, 2.5][trial % 4]!;
        for (const k of [1, 10, 100, 5000, 20000]) {
          expect(rankEuclid(wt, q, 0, nq, k, cos)).toEqual(rankEuclid(jt, q, 0, nq, k, cos));
          expect(rankHamming(wt, q, 0, k)).toEqual(rankHamming(jt, q, 0, k));
        }
      }
    });
  }

  it('after clear() of a large table and after falling back to a plain array', () => {
    const [wt, jt] = twinTables(64, 5000, 3);
    wt.clear();
    jt.clear();
    expect(wt.scanner).not.toBeNull();
    const [fresh] = twinTables(64, 3000, 4);
    const cos = cosTable(64);
    // Refuse the next growth: the table must carry on in JS with its rows intact.
    (wt.scanner as unknown as { grow: () => boolean }).grow = () => false;
    for (const t of [wt, jt]) {
      for (let i = 0; i < fresh.size; i++) {
        const row = t.slotFor(fresh.ids[i]!);
        t.sigs.set(fresh.sigs.subarray(i * 2, i * 2 + 2), row * 2);
        t.norms![row] = fresh.norms![i]!;
        t.stamp(row, 0);
      }
    }
    expect(wt.scanner).toBeNull();
    expect(Array.from(wt.sigs.subarray(0, 2 * wt.size))).toEqual(Array.from(fresh.sigs.subarray(0, 2 * fresh.size)));
    const q = fresh.sigs.slice(20, 22);
    expect(rankEuclid(wt, q, 0, 1, 50, cos)).toEqual(rankEuclid(fresh, q, 0, 1, 50, cos));
    expect(rankHamming(wt, q, 0, 50)).toEqual(rankHamming(jt, q, 0, 50));
  });
});
