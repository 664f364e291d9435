/**
 * MT19937 (32-bit Mersenne Twister, standard `init_genrand` seeding) with the draws Jubatus's
 * `util::math::random::mtrand` offers: `nextInt()` the raw word, `nextDouble()` [0, 1) from two
 * words (53 bits), `nextIntBelow(n)` = ⌊nextDouble()·n⌋ (engine spec §16: random unlearner).
 */
const N = 624;
const M = 397;

export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 · prev + i (mod 2^32), split to stay exact in doubles
      mt[i] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % N]! & 0x7fffffff);
      mt[k] = mt[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.mti = 0;
  }

  nextInt(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  nextDouble(): number {
    const a = this.nextInt() >>> 5;
    const b = this.nextInt() >>> 6;
    return (a * 67108864 + b) * (1 / 9007199254740992);
  }

  /** [0, n) */
  nextIntBelow(n: number): number {
    return Math.floor(this.nextDouble() * n) >>> 0;
  }
}
