import { describe, expect, it } from 'vitest';
import { fnv1_64 } from '../../src/engine/common/fnv1.js';
import type { FeatureVector } from '../../src/engine/datum.js';
import { ProjectionCache } from '../../src/engine/nearest_neighbor/projection-cache.js';
import { LshSigner, MinhashSigner, hashmix, l2norm, u64ToFloat32 } from '../../src/engine/nearest_neighbor/signature.js';

const fv = (pairs: Array<[string, number]>): FeatureVector => ({ keys: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) });

function lshBlock0(f: FeatureVector, cache = 0): bigint {
  const out = new Uint32Array(2);
  new LshSigner(64, new ProjectionCache(64, cache)).signInto(f, out, 0);
  return (BigInt(out[1]!) << 32n) | BigInt(out[0]!);
}

function popcount64(x: bigint): number {
  let n = 0;
  for (; x; x &= x - 1n) n++;
  return n;
}

describe('lsh signature (spec §4.4, §4.6)', () => {
  const x = lshBlock0(fv([['x@num', 1]]));
  const y = lshBlock0(fv([['y@num', 1]]));
  const xy = lshBlock0(fv([['x@num', 1], ['y@num', 1]]));

  it('matches the H=64 block0 reference values', () => {
    expect(x).toBe(0x49127677c7920faan);
    expect(y).toBe(0x4df020722a596babn);
    expect(xy).toBe(0x4dd23476ef504fabn);
  });

  it('gives the Hamming distances 26 and 13 that Jubatus 1.1.1 answered', () => {
    expect(popcount64(x ^ y)).toBe(26);
    expect(popcount64(x ^ xy)).toBe(13);
  });

  it('does not depend on the projection cache', () => {
    const pairs: Array<[string, number]> = [['x@num', 0.3], ['y@num', -2], ['z@num', 1.5], ['x@num', 1]];
    const ref = lshBlock0(fv(pairs), 0);
    expect(lshBlock0(fv(pairs), 1)).toBe(ref);
    expect(lshBlock0(fv(pairs), 1000)).toBe(ref);
    const cache = new ProjectionCache(64, 2);
    const s = new LshSigner(64, cache);
    const out = new Uint32Array(2);
    for (let i = 0; i < 3; i++) s.signInto(fv(pairs), out, 0);
    expect((BigInt(out[1]!) << 32n) | BigInt(out[0]!)).toBe(ref);
    expect(cache.size).toBe(2);
  });

  it('empty vector → all zero bits; positive scaling keeps the signature', () => {
    expect(lshBlock0(fv([]))).toBe(0n);
    expect(lshBlock0(fv([['y@num', 2]]))).toBe(y);
  });

  it('writes bit i to word i>>5 for hash_num not a multiple of 32', () => {
    const out = new Uint32Array(3).fill(0xffffffff);
    new LshSigner(70, new ProjectionCache(70, 0)).signInto(fv([['x@num', 1]]), out, 0);
    expect(out[0]).toBe(0xc7920faa);
    expect(out[1]).toBe(0x49127677);
    expect(out[2]! >>> 6).toBe(0); // bits 70.. are never set
  });
});

const M64 = (1n << 64n) - 1n;
function mixRef(a: bigint, b: bigint, c: bigint): bigint {
  const sh: Array<[number, boolean]> = [[43, false], [9, true], [8, false], [38, false], [23, true], [5, false], [35, false], [49, true], [11, false], [12, false], [18, true], [22, false]];
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 12; i++) {
      const [s, left] = sh[i]!;
      const shifted = (v: bigint) => (left ? (v << BigInt(s)) & M64 : v >> BigInt(s));
      if (i % 3 === 0) { a = (a - b - c) & M64; a ^= shifted(c); }
      else if (i % 3 === 1) { b = (b - c - a) & M64; b ^= shifted(a); }
      else { c = (c - a - b) & M64; c ^= shifted(b); }
    }
  }
  return a;
}

function f32Ref(x: bigint): number {
  // Correct rounding to float32 via exact rational comparison.
  if (x === 0n) return 0;
  const bits = x.toString(2).length;
  if (bits <= 24) return Number(x);
  const sh = BigInt(bits - 24);
  let m = x >> sh;
  const rem = x - (m << sh);
  const half = 1n << (sh - 1n);
  if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
  return Number(m) * 2 ** Number(sh);
}

describe('minhash (spec §4.4)', () => {
  it('hashmix in 32-bit halves equals a BigInt transcription', () => {
    for (const key of ['x@num', 'y@num', 'a$b@str#bin/bin', 'é@num']) {
      const kh = fnv1_64(key);
      const k = (BigInt(kh.hi) << 32n) | BigInt(kh.lo);
      for (const j of [0, 1, 31, 63, 200]) {
        const got = hashmix({ hi: kh.hi, lo: kh.lo }, j);
        expect((BigInt(got.hi) << 32n) | BigInt(got.lo)).toBe(mixRef(k, BigInt(j), 0xc3a5c85c97cb3127n));
      }
    }
  });

  it('u64ToFloat32 rounds correctly, including double-rounding traps', () => {
    const cases = [0n, 1n, (1n << 24n) + 1n, (1n << 64n) - 1n, (1n << 63n) + (1n << 39n) + 1n, (1n << 63n) + (1n << 39n), 0x8000010000000001n, 0xffffff7fffffffffn, 0x123456789abcdef0n];
    for (const c of cases) {
      expect(u64ToFloat32(Number(c >> 32n), Number(c & 0xffffffffn))).toBe(f32Ref(c));
    }
  });

  const sign = (f: FeatureVector, H = 64) => {
    const out = new Uint32Array(Math.ceil(H / 32));
    new MinhashSigner(H).signInto(f, out, 0);
    return Array.from(out);
  };
  const ham = (a: number[], b: number[]) => a.reduce((s, w, i) => s + popcount64(BigInt((w ^ b[i]!) >>> 0)), 0);

  it('is deterministic and the bit of a single feature is its hash parity', () => {
    const a = fv([['a$x@str#bin/bin', 1], ['b$y@str#bin/bin', 1]]);
    expect(sign(a)).toEqual(sign(a));
    const one = sign(fv([['x@num', 1]]));
    // A lone feature wins every bit: all bits equal FNV(x@num) & 1 (0xba11cd050e2ce00f is odd).
    expect(one).toEqual([0xffffffff, 0xffffffff]);
    expect(sign(fv([]))).toEqual([0, 0]);
  });

  it('orders similarity by shared features', () => {
    const words = (n: number, off = 0) => fv(Array.from({ length: n }, (_, i) => [`w${i + off}@str`, 1] as [string, number]));
    const base = sign(words(20), 256);
    const near = sign(words(20, 2), 256); // 18 of 20 shared
    const mid = sign(words(20, 10), 256); // 10 shared
    const far = sign(words(20, 100), 256); // none shared
    expect(ham(base, near)).toBeLessThan(ham(base, mid));
    expect(ham(base, mid)).toBeLessThan(ham(base, far));
  });
});

describe('l2norm', () => {
  it('counts duplicates separately', () => {
    expect(l2norm(fv([['x@num', 3], ['x@num', 4]]))).toBe(5);
  });
});
