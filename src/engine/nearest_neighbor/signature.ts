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

// Bob Jenkins' 64-bit mix over (a, b, c), each held as two unsigned 32-bit halves in module
// state so the inner loop of minhash allocates nothing and stays off BigInt.
let ah = 0, al = 0, bh = 0, bl = 0, ch = 0, cl = 0;
// Scratch results of sub64/shifts.
let rh = 0, rl = 0;

function sub64(xh: number, xl: number, yh: number, yl: number): void {
  const lo = xl - yl;
  rl = lo >>> 0;
  rh = (xh - yh - (lo < 0 ? 1 : 0)) >>> 0;
}

function shr64(xh: number, xl: number, n: number): void {
  if (n >= 32) {
    rl = xh >>> (n - 32);
    rh = 0;
  } else {
    rl = ((xl >>> n) | (xh << (32 - n))) >>> 0;
    rh = xh >>> n;
  }
}

function shl64(xh: number, xl: number, n: number): void {
  if (n >= 32) {
    rh = (xl << (n - 32)) >>> 0;
    rl = 0;
  } else {
    rh = ((xh << n) | (xl >>> (32 - n))) >>> 0;
    rl = (xl << n) >>> 0;
  }
}

/** x -= y; x -= z; x ^= (w shifted): the repeated step of the mix; `left` picks the direction. */
function round(which: 0 | 1 | 2, shift: number, left: boolean): void {
  // which: 0 → a -= b; a -= c; a ^= c>>s.  1 → b -= c; b -= a; b ^= a<<s.  2 → c -= a; c -= b; c ^= b>>s.
  if (which === 0) {
    sub64(ah, al, bh, bl); sub64(rh, rl, ch, cl); ah = rh; al = rl;
    if (left) shl64(ch, cl, shift); else shr64(ch, cl, shift);
    ah = (ah ^ rh) >>> 0; al = (al ^ rl) >>> 0;
  } else if (which === 1) {
    sub64(bh, bl, ch, cl); sub64(rh, rl, ah, al); bh = rh; bl = rl;
    if (left) shl64(ah, al, shift); else shr64(ah, al, shift);
    bh = (bh ^ rh) >>> 0; bl = (bl ^ rl) >>> 0;
  } else {
    sub64(ch, cl, ah, al); sub64(rh, rl, bh, bl); ch = rh; cl = rl;
    if (left) shl64(bh, bl, shift); else shr64(bh, bl, shift);
    ch = (ch ^ rh) >>> 0; cl = (cl ^ rl) >>> 0;
  }
}

function mix(): void {
  round(0, 43, false); round(1, 9, true); round(2, 8, false);
  round(0, 38, false); round(1, 23, true); round(2, 5, false);
  round(0, 35, false); round(1, 49, true); round(2, 11, false);
  round(0, 12, false); round(1, 18, true); round(2, 22, false);
}

/** hashmix(a, j) of spec §4.4, result in (ah, al). Exported for tests. */
export function hashmix(kh: Hash64, j: number): Hash64 {
  mixInto(kh.hi, kh.lo, j);
  return { hi: ah, lo: al };
}

function mixInto(khi: number, klo: number, j: number): void {
  ah = khi; al = klo;
  bh = 0; bl = j >>> 0;
  ch = 0xc3a5c85c; cl = 0x97cb3127;
  mix();
  mix();
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
        const r = u64ToFloat32(ah, al) * TWO_POW_M64;
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
