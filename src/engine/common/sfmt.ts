/**
 * SFMT-607 (SIMD-oriented Fast Mersenne Twister, Mersenne exponent 607), the generator Jubatus
 * seeds per feature key to derive LSH hyperplanes (spec §3.2). The state is five 128-bit words
 * held as 20 little-endian 32-bit words; outputs are those words in index order, the whole state
 * being regenerated each time it is exhausted.
 */
const N = 5;
const N32 = 20;
const POS1 = 2;
const SL1 = 15;
const SL2_BITS = 24; // SL2 = 3 bytes
const SR1 = 13;
const SR2_BITS = 24; // SR2 = 3 bytes
const MSK1 = 0xfdff37ff;
const MSK2 = 0xef7f3f7d;
const MSK3 = 0xff777b7d;
const MSK4 = 0x7ff7fb2f;
const PARITY = [0x00000001, 0x00000000, 0x00000000, 0x5986f054] as const;

export class Sfmt607 {
  private readonly s = new Uint32Array(N32);
  private idx = N32;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Re-seeds in place, so hot paths can reuse one generator for many keys. */
  seed(seed: number): this {
    const s = this.s;
    s[0] = seed >>> 0;
    for (let i = 1; i < N32; i++) {
      const prev = s[i - 1]!;
      s[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
    this.idx = N32;
    this.certifyPeriod();
    return this;
  }

  private certifyPeriod(): void {
    const s = this.s;
    let inner = 0;
    for (let i = 0; i < 4; i++) inner ^= s[i]! & PARITY[i]!;
    for (let sh = 16; sh > 0; sh >>= 1) inner ^= inner >>> sh;
    if ((inner & 1) === 1) return;
    // Flip the lowest parity bit so the state lies on the full-period orbit.
    for (let i = 0; i < 4; i++) {
      let work = 1;
      for (let j = 0; j < 32; j++) {
        if ((work & PARITY[i]!) !== 0) {
          s[i] = (s[i]! ^ work) >>> 0;
          return;
        }
        work = (work << 1) >>> 0;
      }
    }
  }

  /** One SFMT recursion step writing 128-bit word `r` from words a, b, c, d (indices ×4). */
  private recursion(r: number, a: number, b: number, c: number, d: number): void {
    const s = this.s;
    const a0 = s[a]!, a1 = s[a + 1]!, a2 = s[a + 2]!, a3 = s[a + 3]!;
    const c0 = s[c]!, c1 = s[c + 1]!, c2 = s[c + 2]!, c3 = s[c + 3]!;
    // 128-bit shifts by whole bytes, across the 32-bit lanes (little-endian lane order).
    const x0 = a0 << SL2_BITS;
    const x1 = (a1 << SL2_BITS) | (a0 >>> (32 - SL2_BITS));
    const x2 = (a2 << SL2_BITS) | (a1 >>> (32 - SL2_BITS));
    const x3 = (a3 << SL2_BITS) | (a2 >>> (32 - SL2_BITS));
    const y0 = (c0 >>> SR2_BITS) | (c1 << (32 - SR2_BITS));
    const y1 = (c1 >>> SR2_BITS) | (c2 << (32 - SR2_BITS));
    const y2 = (c2 >>> SR2_BITS) | (c3 << (32 - SR2_BITS));
    const y3 = c3 >>> SR2_BITS;
    s[r] = a0 ^ x0 ^ ((s[b]! >>> SR1) & MSK1) ^ y0 ^ (s[d]! << SL1);
    s[r + 1] = a1 ^ x1 ^ ((s[b + 1]! >>> SR1) & MSK2) ^ y1 ^ (s[d + 1]! << SL1);
    s[r + 2] = a2 ^ x2 ^ ((s[b + 2]! >>> SR1) & MSK3) ^ y2 ^ (s[d + 2]! << SL1);
    s[r + 3] = a3 ^ x3 ^ ((s[b + 3]! >>> SR1) & MSK4) ^ y3 ^ (s[d + 3]! << SL1);
  }

  private regenerate(): void {
    let r1 = (N - 2) * 4;
    let r2 = (N - 1) * 4;
    for (let i = 0; i < N; i++) {
      const b = ((i + POS1) % N) * 4;
      this.recursion(i * 4, i * 4, b, r1, r2);
      r1 = r2;
      r2 = i * 4;
    }
    this.idx = 0;
  }

  /** The next 32-bit output, unsigned. */
  next(): number {
    if (this.idx >= N32) this.regenerate();
    return this.s[this.idx++]!;
  }
}
