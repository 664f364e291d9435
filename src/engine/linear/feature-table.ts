/**
 * Jubatus's `id_features3_t`: feature → (label id → val3 (v1, v2, v3)), with libstdc++'s
 * iteration order reproduced at both levels (std-hash.ts). A `Row` is one feature's labels,
 * kept as flat arrays in iteration order (a feature has few labels); the table links its rows
 * the way libstdc++ links nodes (one singly linked list, each bucket pointing at the node
 * before its run), so inserting, erasing and rehashing are O(1) per row, as in C++.
 */
import { FRESH_BUCKETS, growBuckets, mod64, stdStringHash, type BucketState } from '../common/std-hash.js';
import { idBucket } from '../common/small-order.js';

const scratch: [number, number] = [0, 0];

export class Row implements BucketState {
  /** Label ids in iteration order; `vals` holds v1, v2, v3 of each, in the same order. */
  ids: number[] = [];
  vals: number[] = [];
  buckets = FRESH_BUCKETS;
  nextResize = FRESH_BUCKETS;
  /** Table linkage: the next row in iteration order, the key's hash and current bucket. */
  next: Row | null = null;
  hHi = 0;
  hLo = 0;
  bkt = 0;

  constructor(readonly key: string) {}

  get size(): number {
    return this.ids.length;
  }

  indexOf(id: number): number {
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i] === id) return i;
    return -1;
  }

  /** The index of `id`, adding it as (0, 0, 0) when absent (C++ `operator[]`). */
  slot(id: number): number {
    const i = this.indexOf(id);
    return i >= 0 ? i : this.add(id);
  }

  private add(id: number): number {
    const grown = growBuckets(this, this.ids.length);
    if (grown) this.rehash();
    return this.place(id, 0, 0, 0);
  }

  private place(id: number, v1: number, v2: number, v3: number): number {
    const ids = this.ids;
    const b = idBucket(id, this.buckets);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      if (idBucket(ids[i]!, this.buckets) === b) {
        at = i;
        break;
      }
    }
    ids.splice(at, 0, id);
    this.vals.splice(at * 3, 0, v1, v2, v3);
    return at;
  }

  private rehash(): void {
    const { ids, vals } = this;
    this.ids = [];
    this.vals = [];
    for (let i = 0; i < ids.length; i++) this.place(ids[i]!, vals[3 * i]!, vals[3 * i + 1]!, vals[3 * i + 2]!);
  }

  /** Appends an entry read from a model file or diff (in its order, as msgpack-c inserts). */
  put(id: number, v1: number, v2: number, v3: number): void {
    const i = this.slot(id);
    this.vals[3 * i] = v1;
    this.vals[3 * i + 1] = v2;
    this.vals[3 * i + 2] = v3;
  }

  /** Removes `id`; false when absent. */
  erase(id: number): boolean {
    const i = this.indexOf(id);
    if (i < 0) return false;
    this.ids.splice(i, 1);
    this.vals.splice(3 * i, 3);
    return true;
  }
}

export class FeatureTable implements BucketState {
  private readonly rows = new Map<string, Row>();
  /** libstdc++'s `_M_before_begin`: its `next` is the first row. */
  private readonly head = new Row('');
  private slots: Array<Row | null> = new Array<Row | null>(FRESH_BUCKETS).fill(null);
  buckets = FRESH_BUCKETS;
  nextResize = FRESH_BUCKETS;

  get size(): number {
    return this.rows.size;
  }

  get(key: string): Row | undefined {
    return this.rows.get(key);
  }

  /** The row of `key`, created empty when absent (C++ `operator[]`). */
  row(key: string): Row {
    let r = this.rows.get(key);
    if (r === undefined) {
      r = new Row(key);
      stdStringHash(key, scratch);
      r.hHi = scratch[0];
      r.hLo = scratch[1];
      this.insert(r);
      this.rows.set(key, r);
    }
    return r;
  }

  /** The first row in iteration order; follow `next`. */
  first(): Row | null {
    return this.head.next;
  }

  private insert(node: Row): void {
    const grown = growBuckets(this, this.rows.size);
    if (grown) this.rehash(grown);
    const b = mod64(node.hHi, node.hLo, this.buckets);
    node.bkt = b;
    const before = this.slots[b];
    if (before) {
      node.next = before.next;
      before.next = node;
    } else {
      node.next = this.head.next;
      this.head.next = node;
      if (node.next) this.slots[node.next.bkt] = node;
      this.slots[b] = this.head;
    }
  }

  private rehash(n: number): void {
    const slots = new Array<Row | null>(n).fill(null);
    let p = this.head.next;
    this.head.next = null;
    let firstBkt = 0;
    while (p) {
      const next: Row | null = p.next;
      const b = mod64(p.hHi, p.hLo, n);
      p.bkt = b;
      const before = slots[b];
      if (!before) {
        p.next = this.head.next;
        this.head.next = p;
        slots[b] = this.head;
        if (p.next) slots[firstBkt] = p;
        firstBkt = b;
      } else {
        p.next = before.next;
        before.next = p;
      }
      p = next;
    }
    this.slots = slots;
  }

  /** Erases a row of this table; the others keep their order. */
  erase(node: Row): void {
    const b = node.bkt;
    const first = this.slots[b]!;
    let prev = first;
    while (prev.next !== node) prev = prev.next!;
    const next = node.next;
    const nextBkt = next ? next.bkt : -1;
    if (prev === first) {
      if (!next || nextBkt !== b) {
        if (next) this.slots[nextBkt] = first;
        if (first === this.head) this.head.next = next;
        this.slots[b] = null;
      }
    } else if (next && nextBkt !== b) {
      this.slots[nextBkt] = prev;
    }
    prev.next = next;
    node.next = null;
    this.rows.delete(node.key);
  }

  /** `clear()`: empty, keeping the bucket count. */
  clear(): void {
    this.rows.clear();
    this.head.next = null;
    this.slots.fill(null);
  }

  /** Rows in iteration order (not for hot paths; those walk `first()`/`next`). */
  *[Symbol.iterator](): IterableIterator<Row> {
    for (let r = this.head.next; r; r = r.next) yield r;
  }
}
