/**
 * Row signatures (spec §4.4). A signature of H bits is stored as ceil(H/32) 32-bit words, bit i
 * in word i>>5 at position i&31; the uint64 blocks of model files and MIX diffs are two
 * consecutive words (low word first), so conversion happens only at pack time.
 */
import { fnv1_64, type Hash64 } from '../common/fnv1.js';
import type { FeatureVector } from '../datum.js';
import type { ProjectionCache } from './projection-cache.js';

const fround = Math.fround;

export function wordsFor(hashNum: number): number {
  return (hashNum + 31) >>> 5;
}

/**
 * Cosine random projection: the sum of v·g(key) over features in float32, in feature order
 * (Jubatus accumulates in float32, so order and rounding are part of the result), then bit j is
 * set iff the projection is strictly positive.
 */
export class LshSigner {
  private readonly proj: Float32Array;

  constructor(
    readonly hashNum: number,
    private readonly cache: ProjectionCache,
  ) {
    this.proj = new Float32Array(hashNum);
  }

  signInto(fv: FeatureVector, out: Uint32Array, off: number): void {
    const H = this.hashNum;
    const proj = this.proj;
    proj.fill(0);
    const { keys, values } = fv;
    for (let f = 0; f < keys.length; f++) {
      const g = this.cache.get(keys[f]!);
      const v = fround(values[f]!);
      // The product of two float32 is exact in a double, so rounding it once gives float32
      // multiply; the Float32Array store then rounds the sum like a float32 add.
      for (let j = 0; j < H; j++) proj[j] = proj[j]! + fround(v * g[j]!);
    }
    packPositiveBits(proj, out, off);
  }
}

function packPositiveBits(proj: Float32Array, out: Uint32Array, off: number): void {
  const H = proj.length;
  const W = wordsFor(H);
  for (let w = 0; w < W; w++) {
    let word = 0;
    const base = w << 5;
    const end = Math.min(32, H - base);
    for (let b = 0; b < end; b++) if (proj[base + b]! > 0) word |= 1 << b;
    out[off + w] = word;
  }
}

/** L2 norm of the (weighted) feature vector in double, duplicates counted separately. */
export function l2norm(fv: FeatureVector): number {
  let s = 0;
  const values = fv.values;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s);
}

// Result of the last mixInto (the final `a`), as unsigned halves.
let mixHi = 0;
let mixLo = 0;

/**
 * hashmix(kh, j): Bob Jenkins' 64-bit mix applied twice to (a = kh, b = j, c = 0xc3a5c85c97cb3127),
 * result `a`. Each 64-bit value is two int32 locals (the borrow of the low halves is an unsigned
 * compare), so V8 keeps everything in 32-bit registers: no BigInt, no doubles.
 */
function mixInto(khi: number, klo: number, j: number): void {
  let ah = khi | 0, al = klo | 0;
  let bh = 0, bl = j | 0;
  let ch = 0xc3a5c85c | 0, cl = 0x97cb3127 | 0;
  let t = 0;
  for (let round = 0; round < 2; round++) {
    // a -= b; a -= c; a ^= c >> 43
    t = (al >>> 0) < (bl >>> 0) ? 1 : 0; al = (al - bl) | 0; ah = (ah - bh - t) | 0;
    t = (al >>> 0) < (cl >>> 0) ? 1 : 0; al = (al - cl) | 0; ah = (ah - ch - t) | 0;
    al ^= (ch >>> 11);
    // b -= c; b -= a; b ^= a << 9
    t = (bl >>> 0) < (cl >>> 0) ? 1 : 0; bl = (bl - cl) | 0; bh = (bh - ch - t) | 0;
    t = (bl >>> 0) < (al >>> 0) ? 1 : 0; bl = (bl - al) | 0; bh = (bh - ah - t) | 0;
    bh ^= (ah << 9) | (al >>> 23); bl ^= (al << 9);
    // c -= a; c -= b; c ^= b >> 8
    t = (cl >>> 0) < (al >>> 0) ? 1 : 0; cl = (cl - al) | 0; ch = (ch - ah - t) | 0;
    t = (cl >>> 0) < (bl >>> 0) ? 1 : 0; cl = (cl - bl) | 0; ch = (ch - bh - t) | 0;
    cl ^= ((bl >>> 8) | (bh << 24)); ch ^= bh >>> 8;
    // a -= b; a -= c; a ^= c >> 38
    t = (al >>> 0) < (bl >>> 0) ? 1 : 0; al = (al - bl) | 0; ah = (ah - bh - t) | 0;
    t = (al >>> 0) < (cl >>> 0) ? 1 : 0; al = (al - cl) | 0; ah = (ah - ch - t) | 0;
    al ^= (ch >>> 6);
    // b -= c; b -= a; b ^= a << 23
    t = (bl >>> 0) < (cl >>> 0) ? 1 : 0; bl = (bl - cl) | 0; bh = (bh - ch - t) | 0;
    t = (bl >>> 0) < (al >>> 0) ? 1 : 0; bl = (bl - al) | 0; bh = (bh - ah - t) | 0;
    bh ^= (ah << 23) | (al >>> 9); bl ^= (al << 23);
    // c -= a; c -= b; c ^= b >> 5
    t = (cl >>> 0) < (al >>> 0) ? 1 : 0; cl = (cl - al) | 0; ch = (ch - ah - t) | 0;
    t = (cl >>> 0) < (bl >>> 0) ? 1 : 0; cl = (cl - bl) | 0; ch = (ch - bh - t) | 0;
    cl ^= ((bl >>> 5) | (bh << 27)); ch ^= bh >>> 5;
    // a -= b; a -= c; a ^= c >> 35
    t = (al >>> 0) < (bl >>> 0) ? 1 : 0; al = (al - bl) | 0; ah = (ah - bh - t) | 0;
    t = (al >>> 0) < (cl >>> 0) ? 1 : 0; al = (al - cl) | 0; ah = (ah - ch - t) | 0;
    al ^= (ch >>> 3);
    // b -= c; b -= a; b ^= a << 49
    t = (bl >>> 0) < (cl >>> 0) ? 1 : 0; bl = (bl - cl) | 0; bh = (bh - ch - t) | 0;
    t = (bl >>> 0) < (al >>> 0) ? 1 : 0; bl = (bl - al) | 0; bh = (bh - ah - t) | 0;
    bh ^= al << 17;
    // c -= a; c -= b; c ^= b >> 11
    t = (cl >>> 0) < (al >>> 0) ? 1 : 0; cl = (cl - al) | 0; ch = (ch - ah - t) | 0;
    t = (cl >>> 0) < (bl >>> 0) ? 1 : 0; cl = (cl - bl) | 0; ch = (ch - bh - t) | 0;
    cl ^= ((bl >>> 11) | (bh << 21)); ch ^= bh >>> 11;
    // a -= b; a -= c; a ^= c >> 12
    t = (al >>> 0) < (bl >>> 0) ? 1 : 0; al = (al - bl) | 0; ah = (ah - bh - t) | 0;
    t = (al >>> 0) < (cl >>> 0) ? 1 : 0; al = (al - cl) | 0; ah = (ah - ch - t) | 0;
    al ^= ((cl >>> 12) | (ch << 20)); ah ^= ch >>> 12;
    // b -= c; b -= a; b ^= a << 18
    t = (bl >>> 0) < (cl >>> 0) ? 1 : 0; bl = (bl - cl) | 0; bh = (bh - ch - t) | 0;
    t = (bl >>> 0) < (al >>> 0) ? 1 : 0; bl = (bl - al) | 0; bh = (bh - ah - t) | 0;
    bh ^= (ah << 18) | (al >>> 14); bl ^= (al << 18);
    // c -= a; c -= b; c ^= b >> 22
    t = (cl >>> 0) < (al >>> 0) ? 1 : 0; cl = (cl - al) | 0; ch = (ch - ah - t) | 0;
    t = (cl >>> 0) < (bl >>> 0) ? 1 : 0; cl = (cl - bl) | 0; ch = (ch - bh - t) | 0;
    cl ^= ((bl >>> 22) | (bh << 10)); ch ^= bh >>> 22;
  }
  mixHi = ah >>> 0;
  mixLo = al >>> 0;
}

/** hashmix(a, j) of spec §4.4. Exported for tests. */
export function hashmix(kh: Hash64, j: number): Hash64 {
  mixInto(kh.hi, kh.lo, j);
  return { hi: mixHi, lo: mixLo };
}

/**
 * float32(x) for an unsigned 64-bit x = hi·2^32 + lo, correctly rounded. A double holds only 53
 * bits, and rounding twice (64→53→24) can land on the wrong side of a float32 tie, so the dropped
 * low bits are folded into a sticky bit first (round-to-odd), which makes the second rounding exact.
 */
export function u64ToFloat32(hi: number, lo: number): number {
  if (hi >= 0x200000) {
    const lead = 31 - Math.clz32(hi); // bit position within hi, ≥ 21
    const k = lead + 32 - 52; // low bits a double cannot hold (1..11)
    const mask = (1 << k) - 1;
    if ((lo & mask) !== 0) lo = ((lo & ~mask) | (1 << k)) >>> 0;
  }
  return fround(hi * 4294967296 + lo);
}

const TWO_POW_M64 = 2 ** -64;
const featureHash: Hash64 = { hi: 0, lo: 0 };

/**
 * 1-bit weighted minhash: for each bit j the feature with the smallest −ln(r)/v wins (first
 * minimum on ties), r = float32(hashmix(FNV(key), j)) / float32(2^64 − 1); the bit is the low bit
 * of the winner's FNV-1 hash.
 */
export class MinhashSigner {
  private readonly best: Float32Array;
  private readonly ownerOdd: Uint8Array;

  constructor(readonly hashNum: number) {
    this.best = new Float32Array(hashNum);
    this.ownerOdd = new Uint8Array(hashNum);
  }

  signInto(fv: FeatureVector, out: Uint32Array, off: number): void {
    const H = this.hashNum;
    const best = this.best.fill(Infinity);
    const odd = this.ownerOdd.fill(0);
    const { keys, values } = fv;
    for (let f = 0; f < keys.length; f++) {
      const kh = fnv1_64(keys[f]!, featureHash);
      const khi = kh.hi, klo = kh.lo;
      const v = values[f]!;
      const bit = klo & 1;
      for (let j = 0; j < H; j++) {
        mixInto(khi, klo, j);
        // float32(2^64 − 1) is 2^64, so the division is an exact scaling.
        const r = u64ToFloat32(mixHi, mixLo) * TWO_POW_M64;
        const hv = fround(-Math.log(r) / v);
        if (hv < best[j]!) {
          best[j] = hv;
          odd[j] = bit;
        }
      }
    }
    const W = wordsFor(H);
    for (let w = 0; w < W; w++) {
      let word = 0;
      const base = w << 5;
      const end = Math.min(32, H - base);
      for (let b = 0; b < end; b++) word |= odd[base + b]! << b;
      out[off + w] = word;
    }
  }
}
