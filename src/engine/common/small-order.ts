/**
 * A small libstdc++ `unordered_map`'s key order (std-hash.ts), kept as arrays in iteration
 * order: the label maps of the key manager, the score map of a classify, a feature's row of
 * label weights. Inserting scans for the key's bucket run, which is cheap for tens of keys.
 */
import { FRESH_BUCKETS, growBuckets, mod64, stdStringHash, type BucketState } from './std-hash.js';

const scratch: [number, number] = [0, 0];

/** Bucket of an integer key (libstdc++ hashes integers to themselves). */
export function idBucket(id: number, buckets: number): number {
  return id < 4294967296 ? id % buckets : mod64(Math.floor(id / 4294967296), id >>> 0, buckets);
}

/**
 * Keys in iteration order with their 64-bit hashes; `K` is a string (std::hash<std::string>)
 * or a non-negative integer id.
 */
export class OrderedKeys<K extends string | number> implements BucketState {
  keys: K[] = [];
  private hHi: number[] = [];
  private hLo: number[] = [];
  buckets = FRESH_BUCKETS;
  nextResize = FRESH_BUCKETS;

  get size(): number {
    return this.keys.length;
  }

  private hash(k: K): void {
    if (typeof k === 'string') stdStringHash(k, scratch);
    else {
      const id = k as number;
      scratch[0] = Math.floor(id / 4294967296);
      scratch[1] = id >>> 0;
    }
  }

  /** Adds a key that is not present yet. */
  insert(k: K): void {
    const grown = growBuckets(this, this.keys.length);
    if (grown) this.rehash(grown);
    this.hash(k);
    this.place(k, scratch[0], scratch[1]);
  }

  private place(k: K, hi: number, lo: number): void {
    const b = mod64(hi, lo, this.buckets);
    let at = 0;
    for (let i = 0; i < this.keys.length; i++) {
      if (mod64(this.hHi[i]!, this.hLo[i]!, this.buckets) === b) {
        at = i;
        break;
      }
    }
    this.keys.splice(at, 0, k);
    this.hHi.splice(at, 0, hi);
    this.hLo.splice(at, 0, lo);
  }

  /** A rehash re-inserts every key in its current order under the new bucket count. */
  private rehash(buckets: number): void {
    const { keys, hHi, hLo } = this;
    this.keys = [];
    this.hHi = [];
    this.hLo = [];
    this.buckets = buckets;
    for (let i = 0; i < keys.length; i++) this.place(keys[i]!, hHi[i]!, hLo[i]!);
  }

  /** Removes a key; the others keep their order. False when absent. */
  erase(k: K): boolean {
    const i = this.keys.indexOf(k);
    if (i < 0) return false;
    this.keys.splice(i, 1);
    this.hHi.splice(i, 1);
    this.hLo.splice(i, 1);
    return true;
  }

  /** `clear()`: no keys, but the bucket count stays (libstdc++ does not shrink). */
  clear(): void {
    this.keys = [];
    this.hHi = [];
    this.hLo = [];
  }
}
