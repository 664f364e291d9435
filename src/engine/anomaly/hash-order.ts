/**
 * 1.1.1's anomaly keeps its tables and working sets in libstdc++ hash containers
 * (`unordered_map<string, …>` / `unordered_set<string>`, 11 buckets when fresh), and their
 * iteration order shows: in the order rows are re-scored (each row's version clock), in the
 * order a LOF sums its neighbours' LRDs, and in the entry order of lof's model file and MIX
 * diff. HashOrderMap keeps that order (std-hash.ts: libstdc++'s string hash, prime bucket
 * policy and insertion rule) in O(1) per insert and erase: a doubly linked node list plus the
 * first node of each bucket's run. A new key goes first in its bucket's run, or to the very
 * front when its bucket is empty; a rehash re-inserts every node in its current order.
 */
import { FRESH_BUCKETS, growBuckets, mod64, stdStringHash, type BucketState } from '../common/std-hash.js';

interface Node<V> {
  key: string;
  value: V;
  hi: number;
  lo: number;
  bucket: number;
  prev: Node<V> | null;
  next: Node<V> | null;
}

const scratch: [number, number] = [0, 0];

export class HashOrderMap<V> implements BucketState, Iterable<[string, V]> {
  buckets = FRESH_BUCKETS;
  nextResize = FRESH_BUCKETS;
  private readonly nodes = new Map<string, Node<V>>();
  private head: Node<V> | null = null;
  private readonly first = new Map<number, Node<V>>();

  /** A fresh map holding `entries` inserted in the order given (what unpacking a msgpack map does). */
  static from<V>(entries: Iterable<readonly [string, V]>): HashOrderMap<V> {
    const m = new HashOrderMap<V>();
    for (const [k, v] of entries) if (!m.has(k)) m.set(k, v);
    return m;
  }

  get size(): number {
    return this.nodes.size;
  }

  has(key: string): boolean {
    return this.nodes.has(key);
  }

  get(key: string): V | undefined {
    return this.nodes.get(key)?.value;
  }

  /** Replaces the value of a present key in place, or inserts the key. */
  set(key: string, value: V): this {
    const n = this.nodes.get(key);
    if (n) {
      n.value = value;
      return this;
    }
    const grown = growBuckets(this, this.nodes.size);
    if (grown) this.rehash(grown);
    stdStringHash(key, scratch);
    const node: Node<V> = { key, value, hi: scratch[0], lo: scratch[1], bucket: mod64(scratch[0], scratch[1], this.buckets), prev: null, next: null };
    this.nodes.set(key, node);
    this.place(node);
    return this;
  }

  delete(key: string): boolean {
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

  *[Symbol.iterator](): Iterator<[string, V]> {
    for (let n = this.head; n; n = n.next) yield [n.key, n.value];
  }

  keys(): string[] {
    const out: string[] = [];
    for (let n = this.head; n; n = n.next) out.push(n.key);
    return out;
  }

  private place(node: Node<V>): void {
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
    const order: Node<V>[] = [];
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
