/**
 * Jubatus's float32 uniform and Gaussian streams over SFMT-607 (spec §3.3). Every intermediate
 * is rounded to float32 the way the C++ float code rounds, so projections built from these values
 * match Jubatus's signatures except when a projection lands within ~1e-7 of zero (its SIMD paths
 * use cephes-style log/sincos approximations that can differ in the last float bit).
 */
import { Sfmt607 } from './sfmt.js';

const fround = Math.fround;
const TWO_POW_M24 = 1 / 16777216;
const TWO_PI_F = fround(2 * Math.PI);

/** `next_float`: the top 24 bits of one output as a float32 in [0, 1). Exact in float32. */
export function nextFloat(u: number): number {
  return (u >>> 8) * TWO_POW_M24;
}

const shared = new Sfmt607();

/**
 * Fills `out` with the first `out.length` values of the Gaussian stream of SFMT-607(seed):
 * each pair of outputs (u1, u2) gives r·sin(2πb) then r·cos(2πb), r = sqrt(−2 ln(1 − f(u1))),
 * b = 1 − f(u2). An odd length drops the last cosine.
 */
export function gaussianStream(seed: number, out: Float32Array, rng: Sfmt607 = shared): Float32Array {
  rng.seed(seed);
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    const a = 1 - nextFloat(rng.next());
    const b = 1 - nextFloat(rng.next());
    const r = fround(Math.sqrt(fround(-2 * fround(Math.log(a)))));
    const t = fround(TWO_PI_F * b);
    out[i] = r * fround(Math.sin(t));
    if (i + 1 < n) out[i + 1] = r * fround(Math.cos(t));
  }
  return out;
}

/** Convenience for tests and cold paths: a fresh array of the first `n` Gaussians. */
export function gaussians(seed: number, n: number): Float32Array {
  return gaussianStream(seed, new Float32Array(n));
}
