/**
 * The two pieces of 1.1.1's clustering whose exact behaviour decides which points a seed picks:
 * `discrete_distribution` (a fresh MT19937 per distribution, seeded from the caller's MT19937,
 * drawing ∝ weight through a cumulative table and its own binary search), and libstdc++'s
 * `std::partial_sort` (heap select + sort_heap), whose order of the kept prefix decides the
 * indices the next sampling round sees.
 */
import { Mt19937 } from '../common/mt19937.js';

export class DiscreteDistribution {
  private readonly rng: Mt19937;
  private readonly cumulative: Float64Array;
  private readonly sum: number;

  constructor(weights: ArrayLike<number>, seed: number) {
    this.rng = new Mt19937(seed);
    this.cumulative = new Float64Array(weights.length);
    let s = 0;
    for (let i = 0; i < weights.length; i++) {
      s += weights[i]!;
      this.cumulative[i] = s;
    }
    this.sum = s;
  }

  next(): number {
    return this.convert(this.rng.nextDouble() * this.sum);
  }

  /** The same search as 1.1.1 (not a textbook lower bound: it stops when low or high stalls). */
  private convert(d: number): number {
    const w = this.cumulative;
    let low = 0;
    let high = w.length - 1;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (w[mid]! < d) {
        if (low === mid) break;
        low = mid;
      } else {
        if (high === mid) break;
        high = mid;
      }
    }
    return high;
  }
}

/**
 * libstdc++ `std::partial_sort(first, first + size, last)` by ascending key, then truncation:
 * returns the items of the sorted prefix. Ties keep libstdc++'s heap order, which is what makes
 * the following rounds index the same points as 1.1.1.
 */
export function partialSortPrefix<T>(keys: readonly number[], items: readonly T[], size: number): T[] {
  const n = keys.length;
  size = Math.min(size, n);
  const k = keys.slice();
  const v = items.slice();
  const less = (a: number, b: number): boolean => k[a]! < k[b]!;
  // __adjust_heap over [0, len) with the hole at `hole` and (key, item) to place
  const adjust = (hole: number, len: number, key: number, item: T): void => {
    const top = hole;
    let second = hole;
    while (second < Math.floor((len - 1) / 2)) {
      second = 2 * (second + 1);
      if (less(second, second - 1)) second--;
      k[hole] = k[second]!;
      v[hole] = v[second]!;
      hole = second;
    }
    if ((len & 1) === 0 && second === Math.floor((len - 2) / 2)) {
      second = 2 * (second + 1);
      k[hole] = k[second - 1]!;
      v[hole] = v[second - 1]!;
      hole = second - 1;
    }
    let parent = Math.floor((hole - 1) / 2);
    while (hole > top && k[parent]! < key) {
      k[hole] = k[parent]!;
      v[hole] = v[parent]!;
      hole = parent;
      parent = Math.floor((hole - 1) / 2);
    }
    k[hole] = key;
    v[hole] = item;
  };
  // __pop_heap(first, last, result): result gets the top, the old result sifts in
  const pop = (last: number, result: number): void => {
    const key = k[result]!;
    const item = v[result]!;
    k[result] = k[0]!;
    v[result] = v[0]!;
    adjust(0, last, key, item);
  };
  if (size > 1) {
    for (let parent = Math.floor((size - 2) / 2); ; parent--) {
      adjust(parent, size, k[parent]!, v[parent]!);
      if (parent === 0) break;
    }
  }
  for (let i = size; i < n; i++) if (size > 0 && less(i, 0)) pop(size, i);
  for (let last = size; last > 1; ) {
    last--;
    pop(last, last);
  }
  return v.slice(0, size);
}
