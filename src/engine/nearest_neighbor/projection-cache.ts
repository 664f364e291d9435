/**
 * Per-key Gaussian projection vectors (the key's random hyperplane coordinates, spec §4.4),
 * kept in an LRU. Regenerating a vector costs H SFMT outputs plus H/2 log/sqrt/sincos, while a
 * hit is one Map lookup, so even without a configured `cache_size` we keep a small internal cache
 * bounded by memory rather than by key count. Results do not depend on the cache at all.
 */
import { fnv1_64Seed32 } from '../common/fnv1.js';
import { gaussianStream } from '../common/gaussian.js';

/** Float budget of the always-on cache when `cache_size` is 0 or absent (4 MiB of float32). */
const DEFAULT_BUDGET_FLOATS = 1 << 20;
const DEFAULT_MIN_KEYS = 16;

export function defaultCacheKeys(hashNum: number): number {
  return Math.max(DEFAULT_MIN_KEYS, Math.floor(DEFAULT_BUDGET_FLOATS / hashNum));
}

export class ProjectionCache {
  private readonly map = new Map<string, Float32Array>();
  readonly capacity: number;

  /** `capacity` 0 disables caching (every lookup regenerates into one scratch vector). */
  constructor(
    readonly hashNum: number,
    capacity: number,
  ) {
    this.capacity = Math.max(0, Math.floor(capacity));
    this.scratch = new Float32Array(hashNum);
  }

  private readonly scratch: Float32Array;

  get size(): number {
    return this.map.size;
  }

  /**
   * The first `hashNum` Gaussians of the stream seeded by the key's FNV-1 hash. The returned
   * array is owned by the cache: read it before the next call.
   */
  get(key: string): Float32Array {
    const map = this.map;
    const hit = map.get(key);
    if (hit !== undefined) {
      // A Map iterates in insertion order, so re-inserting makes it the most recently used.
      map.delete(key);
      map.set(key, hit);
      return hit;
    }
    if (this.capacity === 0) return gaussianStream(fnv1_64Seed32(key), this.scratch);
    let vec: Float32Array;
    if (map.size >= this.capacity) {
      const oldest = map.keys().next().value as string;
      vec = map.get(oldest)!;
      map.delete(oldest);
    } else {
      vec = new Float32Array(this.hashNum);
    }
    gaussianStream(fnv1_64Seed32(key), vec);
    map.set(key, vec);
    return vec;
  }

  clear(): void {
    this.map.clear();
  }
}
