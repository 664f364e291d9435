/** Rates from cumulative counters and the rolling series the charts draw. Pure. */

/** Points kept per chart series (one per poll). */
export const HISTORY = 60;

/** (cur − prev) / dt, or undefined when either is missing or the counter went back (restart). */
export function rate(cur: number | undefined, prev: number | undefined, dtSec: number): number | undefined {
  if (cur === undefined || prev === undefined || dtSec <= 0 || cur < prev) return undefined;
  return (cur - prev) / dtSec;
}

/** Appends one point (NaN for "no figure") and keeps the last HISTORY. */
export function pushPoint(series: readonly number[], x: number | undefined): number[] {
  return [...series, x ?? Number.NaN].slice(-HISTORY);
}
