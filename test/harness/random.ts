/** Helpers for engine tests that build random signatures reproducibly. */

/** A deterministic LCG, so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Set bits of a 32-bit word (the reference the scans are checked against). */
export function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}
