/**
 * The distributions of Jubatus's `util::math::random::mtrand` over MT19937 (engine spec §3.3),
 * drawing the same words in the same order, so seeded users (the bandits) pick what 1.1.1
 * picks: a double Gaussian stream with one value kept in stock, Gamma by Ahrens–Dieter
 * (α ≤ 1) or Marsaglia–Tsang (α > 1), and Beta as a ratio of two Gammas.
 */
import { Mt19937 } from './mt19937.js';

/** util/math/constant.h spells e with nine decimals; the Ahrens–Dieter threshold uses that value. */
const NAPIER_E = 2.718281828;

export class MtRandom {
  private readonly g: Mt19937;
  private stocked = false;
  private stock = 0;

  constructor(seed: number) {
    this.g = new Mt19937(seed >>> 0);
  }

  /** A clock seed as 1.1.1's default constructor makes it: sec · 10^6 + usec (mod 2^32). */
  static clockSeed(nowMs: number = Date.now()): number {
    const sec = Math.floor(nowMs / 1000);
    const usec = Math.floor((nowMs - sec * 1000) * 1000);
    return (Math.imul(sec >>> 0, 1000000) + usec) >>> 0;
  }

  nextDouble(): number {
    return this.g.nextDouble();
  }

  /** [0, n): ⌊nextDouble() · n⌋. */
  nextIntBelow(n: number): number {
    return this.g.nextIntBelow(n);
  }

  nextGaussian(): number {
    if (this.stocked) {
      this.stocked = false;
      return this.stock;
    }
    const a = 1.0 - this.g.nextDouble();
    const b = 1.0 - this.g.nextDouble();
    const r = Math.sqrt(-2.0 * Math.log(a));
    this.stock = r * Math.cos(2.0 * Math.PI * b);
    this.stocked = true;
    return r * Math.sin(2.0 * Math.PI * b);
  }

  /** Gamma(α, 1). */
  nextGamma(alpha: number): number {
    if (alpha <= 1) {
      const c = NAPIER_E / (alpha + NAPIER_E);
      for (;;) {
        const u1 = this.g.nextDouble();
        const u2 = this.g.nextDouble();
        if (u1 < c) {
          const x = Math.pow(u1 / c, 1.0 / alpha);
          if (Math.log(u2) <= -x) return x;
        } else {
          const x = -Math.log((1.0 - u1) / (c * alpha));
          if (Math.log(u2) <= (alpha - 1) * Math.log(x)) return x;
        }
      }
    }
    const c1 = alpha - 1 / 3.0;
    const c2 = 1.0 / Math.sqrt(9.0 * c1);
    for (;;) {
      const z = this.nextGaussian();
      if (c2 * z <= -1) continue;
      const t = 1.0 + c2 * z;
      const nu = t * t * t;
      const u = this.g.nextDouble();
      if (u < 1 - 0.0331 * z * z * z * z || Math.log(u) < 0.5 * z * z + c1 * (1.0 - nu + Math.log(nu))) return c1 * nu;
    }
  }

  /** Beta(α, β). */
  nextBeta(alpha: number, beta: number): number {
    const x1 = this.nextGamma(alpha);
    const x2 = this.nextGamma(beta);
    return x1 / (x1 + x2);
  }
}
