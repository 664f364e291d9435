/**
 * Deterministic data for the benchmarks, so runs stay comparable: one LCG stream per process
 * (seed 12345) and 3-D numeric datums drawn from it.
 */
import type { Datum } from '../src/engine/datum.js';

let seed = 12345;

export function rand(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
}

export function datum(): Datum {
  return { stringValues: [], numValues: [['x', rand()], ['y', rand()], ['z', rand()]], binaryValues: [] };
}
