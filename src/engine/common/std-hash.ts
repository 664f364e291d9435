/**
 * The iteration order of Jubatus's hash maps, reproduced. 1.1.1 keeps its linear model in
 * libstdc++ `std::unordered_map`s (built with a bucket hint of 10), and that order is visible:
 * it breaks ties between equally scored labels while training, and it is the order of entries
 * in MIX payloads and model files. So we replay libstdc++'s hashing (`std::hash<std::string>`
 * = `_Hash_bytes`, 64-bit MurmurHash2 variant, seed 0xc70f6907; integers hash to themselves),
 * its prime bucket policy and its insertion rule: a key whose bucket is already occupied goes
 * first in that bucket's run, a key opening an empty bucket goes to the very front; a rehash
 * re-inserts the keys in their current order by the same rule; erasing keeps the others' order.
 */

const MUL_HI = 0xc6a4a793;
const MUL_LO = 0x5bd1e995;
const SEED = 0xc70f6907;

/** The result of the last 64-bit operation (two uint32 halves), to avoid an object per call. */
let rHi = 0;
let rLo = 0;

/** (aHi:aLo) × (bHi:bLo) mod 2^64, via 16-bit limbs for the low×low product. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const lo = a0 * b0 + (mid % 65536) * 65536;
  const hi = a1 * b1 + Math.floor(mid / 65536) + Math.floor(lo / 4294967296);
  rLo = lo >>> 0;
  rHi = (hi + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
}

/** v ^ (v >> 47) on (rHi:rLo). */
function shiftMix(): void {
  rLo = (rLo ^ (rHi >>> 15)) >>> 0;
}

const encoder = new TextEncoder();

function utf8(s: string): Uint8Array | undefined {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return encoder.encode(s);
  return undefined;
}

/** libstdc++ `std::hash<std::string>` of `s` (its UTF-8 bytes); `out` gets [hi, lo]. */
export function stdStringHash(s: string, out: [number, number] | Uint32Array): void {
  const bytes = utf8(s);
  const len = bytes ? bytes.length : s.length;
  const at = bytes ? (i: number) => bytes[i]! : (i: number) => s.charCodeAt(i);
  mul64(0, len, MUL_HI, MUL_LO);
  let hHi = rHi;
  let hLo = (rLo ^ SEED) >>> 0;
  const aligned = len & ~7;
  for (let p = 0; p < aligned; p += 8) {
    const dLo = (at(p) | (at(p + 1) << 8) | (at(p + 2) << 16) | (at(p + 3) << 24)) >>> 0;
    const dHi = (at(p + 4) | (at(p + 5) << 8) | (at(p + 6) << 16) | (at(p + 7) << 24)) >>> 0;
    mul64(dHi, dLo, MUL_HI, MUL_LO);
    shiftMix();
    mul64(rHi, rLo, MUL_HI, MUL_LO);
    mul64((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, MUL_HI, MUL_LO);
    hHi = rHi;
    hLo = rLo;
  }
  const rest = len & 7;
  if (rest !== 0) {
    let dLo = 0;
    let dHi = 0;
    for (let i = rest - 1; i >= 0; i--) {
      // (d << 8) + byte over 64 bits
      dHi = ((dHi << 8) | (dLo >>> 24)) >>> 0;
      dLo = ((dLo << 8) | at(aligned + i)) >>> 0;
    }
    mul64((hHi ^ dHi) >>> 0, (hLo ^ dLo) >>> 0, MUL_HI, MUL_LO);
    hHi = rHi;
    hLo = rLo;
  }
  rHi = hHi;
  rLo = hLo;
  shiftMix();
  mul64(rHi, rLo, MUL_HI, MUL_LO);
  shiftMix();
  out[0] = rHi;
  out[1] = rLo;
}

/** (hi·2^32 + lo) mod n without losing precision (n < 2^32). */
export function mod64(hi: number, lo: number, n: number): number {
  let x = hi % n;
  x = ((x * 65536) % n) * 65536 % n;
  return (x + (lo % n)) % n;
}

// libstdc++'s bucket counts (`__prime_list`), up to 2^32.
const PRIMES = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 103, 109, 113, 127, 137,
  139, 149, 157, 167, 179, 193, 199, 211, 227, 241, 257, 277, 293, 313, 337, 359, 383, 409, 439, 467, 503, 541, 577, 619,
  661, 709, 761, 823, 887, 953, 1031, 1109, 1193, 1289, 1381, 1493, 1613, 1741, 1879, 2029, 2179, 2357, 2549, 2753, 2971,
  3209, 3469, 3739, 4027, 4349, 4703, 5087, 5503, 5953, 6427, 6949, 7517, 8123, 8783, 9497, 10273, 11113, 12011, 12983,
  14033, 15173, 16411, 17749, 19183, 20753, 22447, 24281, 26267, 28411, 30727, 33223, 35933, 38873, 42043, 45481, 49201,
  53201, 57557, 62233, 67307, 72817, 78779, 85229, 92203, 99733, 107897, 116731, 126271, 136607, 147793, 159871, 172933,
  187091, 202409, 218971, 236897, 256279, 277261, 299951, 324503, 351061, 379787, 410857, 444487, 480881, 520241, 562841,
  608903, 658753, 712697, 771049, 834181, 902483, 976369, 1056323, 1142821, 1236397, 1337629, 1447153, 1565659, 1693859,
  1832561, 1982627, 2144977, 2320627, 2510653, 2716249, 2938679, 3179303, 3439651, 3721303, 4026031, 4355707, 4712381,
  5098259, 5515729, 5967347, 6456007, 6984629, 7556579, 8175383, 8844859, 9569143, 10352717, 11200489, 12117689, 13109983,
  14183539, 15345007, 16601593, 17961079, 19431899, 21023161, 22744717, 24607243, 26622317, 28802401, 31160981, 33712729,
  36473443, 39460231, 42691603, 46187573, 49969847, 54061849, 58488943, 63278561, 68460391, 74066549, 80131819, 86693767,
  93793069, 101473717, 109783337, 118773397, 128499677, 139022417, 150406843, 162723577, 176048909, 190465427, 206062531,
  222936881, 241193053, 260944219, 282312799, 305431229, 330442829, 357502601, 386778277, 418451333, 452718089, 489790921,
  529899637, 573292817, 620239453, 671030513, 725980837, 785430967, 849749479, 919334987, 994618837, 1076067617,
  1164186217, 1259520799, 1362662261, 1474249943, 1594975441, 1725587117, 1866894511, 2019773507, 2185171673, 2364114217,
  2557710269, 2767159799, 2993761039, 3238918481, 3504151727, 3791104843, 4101556399, 4294967291,
];
const FAST_BKT = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];

/** The bucket count and resize threshold of one map (`_Prime_rehash_policy`, max load 1.0). */
export interface BucketState {
  buckets: number;
  nextResize: number;
}

/** A fresh Jubatus map asked for 10 buckets, which gives 11. */
export const FRESH_BUCKETS = 11;

function nextBucketCount(s: BucketState, n: number): number {
  if (n < FAST_BKT.length) {
    if (n === 0) return 1;
    s.nextResize = FAST_BKT[n]!;
    return FAST_BKT[n]!;
  }
  let lo = 6;
  let hi = PRIMES.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (PRIMES[mid]! < n) lo = mid + 1;
    else hi = mid;
  }
  s.nextResize = PRIMES[lo]!;
  return PRIMES[lo]!;
}

/** Before inserting into a map of `count` keys: the new bucket count (state updated), or 0. */
export function growBuckets(s: BucketState, count: number): number {
  if (count + 1 <= s.nextResize) return 0;
  const minBuckets = Math.max(count + 1, s.nextResize ? 0 : 11);
  if (minBuckets >= s.buckets) {
    const n = nextBucketCount(s, Math.max(minBuckets + 1, s.buckets * 2));
    s.buckets = n;
    return n;
  }
  s.nextResize = s.buckets;
  return 0;
}
