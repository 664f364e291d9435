import { describe, expect, it } from 'vitest';
import { cosTable, euclidDistance, rankEuclid, rankHamming } from '../../src/engine/nearest_neighbor/search.js';
import { RowTable } from '../../src/engine/nearest_neighbor/table.js';
import { popcount, rng } from '../harness/random.js';


/** A table whose rows come from a small pool of signatures and norms, so ties are frequent. */
function randomTable(H: number, n: number, seed: number, wasm = true): RowTable {
  const r = rng(seed);
  const t = new RowTable(H, true, 16, wasm);
  const W = t.words;
  const pool = Array.from({ length: 40 }, () => Array.from({ length: W }, (_, w) => {
    const bits = Math.min(32, H - 32 * w);
    const word = (r() * 2 ** 32) >>> 0;
    return bits === 32 ? word : word & ((1 << bits) - 1);
  }));
  const norms = [0, 0.5, 1, 1, 2, Math.SQRT2, 3.25];
  for (let i = 0; i < n; i++) {
    const row = t.slotFor(`r${i}`);
    t.sigs.set(pool[Math.floor(r() * pool.length)]!, row * W);
    t.norms![row] = norms[Math.floor(r() * norms.length)]!;
    t.stamp(row, 0);
  }
  return t;
}

function naive(t: RowTable, q: Uint32Array, nq: number | null, k: number, cos: Float64Array) {
  const all: Array<[number, number]> = [];
  for (let i = 0; i < t.size; i++) {
    let h = 0;
    for (let w = 0; w < t.words; w++) h += popcount((q[w]! ^ t.sigs[i * t.words + w]!) >>> 0);
    all.push([nq === null ? h : euclidDistance(h, nq, t.norms![i]!, cos), i]);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const top = all.slice(0, k);
  return { rows: top.map((p) => p[1]), scores: top.map((p) => p[0]) };
}

// Both scan paths: signatures in wasm memory (wasm pre-filter) and in a plain array (JS only).
describe.each([true, false])('block-filtered ranking equals a full sort by (score, row) (wasm %s)', (wasm) => {
  it('uses the requested scan path', () => {
    expect(randomTable(64, 10, 1, wasm).scanner !== null).toBe(wasm);
  });

  for (const H of [64, 96, 20]) {
    it(`H=${H}, 20000 rows, many ties`, () => {
      const t = randomTable(H, 20000, H, wasm);
      const cos = cosTable(H);
      const r = rng(99);
      for (let trial = 0; trial < 6; trial++) {
        const row = Math.floor(r() * t.size);
        const q = t.sigs.slice(row * t.words, (row + 1) * t.words);
        const nq = [t.norms![row]!, 0.75, 1][trial % 3]!;
        for (const k of [1, 10, 333, 25000]) {
          expect(rankHamming(t, q, 0, k)).toEqual(naive(t, q, null, k, cos));
          expect(rankEuclid(t, q, 0, nq, k, cos)).toEqual(naive(t, q, nq, k, cos));
        }
      }
    });
  }

  it('near-threshold rows: few flipped bits and norms at the minimiser nq·cos θ', () => {
    const H = 64;
    const cos = cosTable(H);
    const r = rng(7);
    const t = new RowTable(H, true, 16, wasm);
    const q = new Uint32Array([0x0f0f1234, 0x89abcdef]);
    const nq = 1.5;
    for (let i = 0; i < 30000; i++) {
      const row = t.slotFor(`r${i}`);
      const sig = q.slice();
      const flips = Math.floor(r() * 6);
      for (let f = 0; f < flips; f++) {
        const b = Math.floor(r() * 64);
        sig[b >> 5] = (sig[b >> 5]! ^ (1 << (b & 31))) >>> 0;
      }
      t.sigs.set(sig, row * 2);
      let h = 0;
      for (let w = 0; w < 2; w++) h += popcount((sig[w]! ^ q[w]!) >>> 0);
      // Half the rows sit exactly where d is smallest for their h; the rest are spread out.
      t.norms![row] = r() < 0.5 ? nq * cos[h]! : r() * 3;
      t.stamp(row, 0);
    }
    for (const k of [1, 10, 100, 5000]) {
      expect(rankEuclid(t, q, 0, nq, k, cos)).toEqual(naive(t, q, nq, k, cos));
      expect(rankHamming(t, q, 0, k)).toEqual(naive(t, q, null, k, cos));
    }
  });

  it('k = 0 and empty tables give nothing', () => {
    const t = randomTable(64, 0, 1, wasm);
    const q = new Uint32Array(2);
    expect(rankHamming(t, q, 0, 5)).toEqual({ rows: [], scores: [] });
    expect(rankEuclid(randomTable(64, 5, 1, wasm), q, 0, 1, 0, cosTable(64))).toEqual({ rows: [], scores: [] });
  });
});
