/**
 * How a proxy folds the answers of several servers into one (framework spec §5.3). Results are
 * folded left in completion order: `acc = r0; acc = agg(acc, ri)`. The IDL generator only
 * allows each aggregator on fitting return types, so the folds trust their inputs' shapes.
 */
import type { AggregatorName } from './types.js';

type Fold = (acc: unknown, next: unknown) => unknown;

const FOLDS: Record<AggregatorName, Fold> = {
  pass: (acc) => acc,
  all_and: (acc, next) => Boolean(acc) && Boolean(next),
  all_or: (acc, next) => Boolean(acc) || Boolean(next),
  concat: (acc, next) => [...asList(acc), ...asList(next)],
  merge: mergeMaps,
  add: addNumbers,
};

/**
 * The aggregate of `results` (in completion order); a single result comes back as is.
 * Zero results give `undefined`: the caller knows the return type and decides what that means.
 */
export function aggregate(name: AggregatorName, results: readonly unknown[]): unknown {
  const fold = FOLDS[name];
  if (!fold) throw new Error(`unknown aggregator: ${String(name)}`);
  if (results.length === 0) return undefined;
  let acc = results[0];
  for (let i = 1; i < results.length; i++) acc = fold(acc, results[i]);
  return acc;
}

function asList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  throw new TypeError('concat: expected a list');
}

/** Union of two maps; on a duplicate key the later (right) value wins. Inputs are not modified. */
function mergeMaps(acc: unknown, next: unknown): unknown {
  if (acc instanceof Map && next instanceof Map) {
    const out = new Map(acc);
    for (const [k, v] of next) out.set(k, v);
    return out;
  }
  if (isRecord(acc) && isRecord(next)) return { ...acc, ...next };
  throw new TypeError('merge: expected two maps');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
}

/**
 * Numeric sum. The codec gives 64-bit integers as bigint only beyond 2^53, so a sum may mix
 * both: integers then add exactly as bigint and come back as a number when that is exact.
 */
function addNumbers(acc: unknown, next: unknown): unknown {
  if (typeof acc === 'number' && typeof next === 'number') return acc + next;
  if (typeof acc === 'bigint' && typeof next === 'bigint') return acc + next;
  if ((typeof acc === 'bigint' || typeof acc === 'number') && (typeof next === 'bigint' || typeof next === 'number')) {
    const a = acc;
    const b = next;
    if ((typeof a === 'number' && !Number.isInteger(a)) || (typeof b === 'number' && !Number.isInteger(b))) {
      return Number(a) + Number(b);
    }
    const sum = BigInt(a) + BigInt(b);
    return sum >= BigInt(Number.MIN_SAFE_INTEGER) && sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum;
  }
  throw new TypeError('add: expected numbers');
}
