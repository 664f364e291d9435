/**
 * libstdc++'s hash-container iteration order, for the engines where 1.1.1's order shows:
 * anomaly (the order rows are re-scored, a LOF sums its neighbours' LRDs, and lof's model file
 * and MIX diff list entries) and graph (shortest-path trees relaxed in node-table order, a new
 * node becoming a landmark only until the query table, walked in its order, meets a full or
 * non-matching query). OrderedHashMap keeps that order for any key with a 64-bit hash (the prime
 * bucket policy and insertion rule of std-hash.ts) in O(1) per insert and erase: a doubly linked
 * node list plus the first node of each bucket's run. A new key goes first in its bucket's run,
 * or to the very front when its bucket is empty; a rehash re-inserts every node in its current
 * order. (small-order.ts keeps the same order in arrays, for maps of a few tens of keys.)
 */
import { FRESH_BUCKETS, growBuckets, mod64, stdStringHash, type BucketState } from './std-hash.js';

interface Node<K, V> {
  key: K;
  value: V;
  hi: number;
  lo: number;
  bucket: number;
  prev: Node<K, V> | null;
  next: Node<K, V> | null;
}

/** A 64-bit hash as (high 32 bits, low 32 bits). */
export type Hash64 = (key: never) => [number, number];

export class OrderedHashMap<K, V> implements BucketState, Iterable<[K, V]> {
  buckets = FRESH_BUCKETS;
  nextResize = FRESH_BUCKETS;
  private readonly nodes = new Map<K, Node<K, V>>();
  private head: Node<K, V> | null = null;
  private readonly first = new Map<number, Node<K, V>>();

  constructor(private readonly hash: (key: K) => [number, number]) {}

  get size(): number {
    return this.nodes.size;
  }

  has(key: K): boolean {
    return this.nodes.has(key);
  }

  get(key: K): V | undefined {
    return this.nodes.get(key)?.value;
  }

  /** Replaces the value of a present key in place, or inserts the key. */
  set(key: K, value: V): this {
    const n = this.nodes.get(key);
    if (n) {
      n.value = value;
      return this;
    }
    const grown = growBuckets(this, this.nodes.size);
    if (grown) this.rehash(grown);
    const [hi, lo] = this.hash(key);
    const node: Node<K, V> = { key, value, hi, lo, bucket: mod64(hi, lo, this.buckets), prev: null, next: null };
    this.nodes.set(key, node);
    this.place(node);
    return this;
  }

  delete(key: K): boolean {
    const n = this.nodes.get(key);
    if (!n) return false;
    this.nodes.delete(key);
    if (this.first.get(n.bucket) === n) {
      if (n.next && n.next.bucket === n.bucket) this.first.set(n.bucket, n.next);
      else this.first.delete(n.bucket);
    }
    if (n.prev) n.prev.next = n.next;
    else this.head = n.next;
    if (n.next) n.next.prev = n.prev;
    return true;
  }

  /** `clear()`: no keys, the bucket count stays (libstdc++ does not shrink). */
  clear(): void {
    this.nodes.clear();
    this.first.clear();
    this.head = null;
  }

  *[Symbol.iterator](): Iterator<[K, V]> {
    for (let n = this.head; n; n = n.next) yield [n.key, n.value];
  }

  *values(): IterableIterator<V> {
    for (let n = this.head; n; n = n.next) yield n.value;
  }

  keys(): K[] {
    const out: K[] = [];
    for (let n = this.head; n; n = n.next) out.push(n.key);
    return out;
  }

  private place(node: Node<K, V>): void {
    const f = this.first.get(node.bucket);
    if (f) {
      node.prev = f.prev;
      node.next = f;
      if (f.prev) f.prev.next = node;
      else this.head = node;
      f.prev = node;
    } else {
      node.prev = null;
      node.next = this.head;
      if (this.head) this.head.prev = node;
      this.head = node;
    }
    this.first.set(node.bucket, node);
  }

  private rehash(buckets: number): void {
    const order: Node<K, V>[] = [];
    for (let n = this.head; n; n = n.next) order.push(n);
    this.head = null;
    this.first.clear();
    this.buckets = buckets;
    for (const n of order) {
      n.bucket = mod64(n.hi, n.lo, buckets);
      this.place(n);
    }
  }
}

/** std::hash<uint64_t> is the identity. */
export function idHash(id: number): [number, number] {
  const hi = Math.floor(id / 4294967296);
  return [hi, id - hi * 4294967296];
}

/** A map keyed by node (or edge) id in libstdc++'s order. */
export function idMap<V>(): OrderedHashMap<number, V> {
  return new OrderedHashMap<number, V>(idHash);
}

/** std::hash<std::string> (libstdc++'s murmur-based hash) as (high, low) halves. */
export function stringHash(key: string): [number, number] {
  const h: [number, number] = [0, 0];
  stdStringHash(key, h);
  return h;
}

/** An `unordered_map<string, V>` in libstdc++'s iteration order. */
export class HashOrderMap<V> extends OrderedHashMap<string, V> {
  constructor() {
    super(stringHash);
  }

  /** A fresh map holding `entries` inserted in the order given (what unpacking a msgpack map does). */
  static from<V>(entries: Iterable<readonly [string, V]>): HashOrderMap<V> {
    const m = new HashOrderMap<V>();
    for (const [k, v] of entries) if (!m.has(k)) m.set(k, v);
    return m;
  }
}

/** An `unordered_set<string>` in libstdc++'s iteration order. */
export class HashOrderSet {
  private readonly map = new HashOrderMap<true>();

  add(id: string): void {
    if (!this.map.has(id)) this.map.set(id, true);
  }

  delete(id: string): void {
    this.map.delete(id);
  }

  get size(): number {
    return this.map.size;
  }

  keys(): string[] {
    return this.map.keys();
  }
}
