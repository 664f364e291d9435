/** euclid_lsh bucket keys and multi-probe order (lsh-probe.ts). */
import { describe, expect, it } from 'vitest';
import { ProbeGenerator, hashInts } from '../../src/engine/recommender/lsh-probe.js';

describe('hashInts', () => {
  it('is FNV-1 64 over the little-endian bytes of each int', () => {
    // No ints: the FNV offset basis.
    expect(hashInts([])).toBe(0xcbf29ce484222325n);
    // Reference by BigInt arithmetic.
    const ref = (v: number[]): bigint => {
      let h = 0xcbf29ce484222325n;
      for (const x of v) for (let s = 0; s < 32; s += 8) h = ((h * 0x100000001b3n) & 0xffffffffffffffffn) ^ BigInt(((x >>> 0) >>> s) & 0xff);
      return h;
    };
    for (const v of [[0], [1, 2, 3], [-1], [-7, 2147483647, -2147483648, 0, 5]]) expect(hashInts(v)).toBe(ref(v));
  });
});

describe('ProbeGenerator', () => {
  it('visits single-coordinate perturbations by increasing squared distance to the bin edge, then pairs', () => {
    // Coordinate 0 sits at 0.2 (0.04 to its lower edge, 0.64 to its upper), coordinate 1 at 0.9
    // (0.01 to its upper edge, 0.81 to its lower).
    const g = new ProbeGenerator(new Float32Array([0.2, 0.9]), new Int32Array([0, 0]), 1, 2);
    g.init();
    const keys = Array.from({ length: 5 }, () => Array.from(g.next()!.key));
    expect(keys).toEqual([[0, 1], [-1, 0], [-1, 1], [1, 0], [1, 1]]);
  });

  it('interleaves tables by score and is exhausted after every subset', () => {
    const g = new ProbeGenerator(new Float32Array([0.5, 0.1]), new Int32Array([0, 0]), 2, 1);
    g.init();
    const seen: Array<[number, number[]]> = [];
    for (let p = g.next(); p; p = g.next()) seen.push([p.table, Array.from(p.key)]);
    // Table 1 (0.01 to its lower edge) first; each table has 2 single and 1 double perturbation.
    expect(seen[0]).toEqual([1, [-1]]);
    expect(seen).toHaveLength(6);
  });
});
