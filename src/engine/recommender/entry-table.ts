/**
 * euclid_lsh row entries (bucket hash per table, simhash bits, norm) column-wise, indexed by the
 * row's key-manager id: one Uint32Array of bits, one Float64Array of norms, one BigUint64Array
 * of bucket hashes and a state byte per row (absent, present, or — for the local table — an
 * empty entry, 1.1.1's pending removal). No object per row; `get` builds one for cold paths.
 */
export interface Entry {
  /** One bucket hash per table (uint64). */
  buckets: bigint[];
  bits: Uint32Array;
  norm: number;
}

export const ABSENT = 0;
export const PRESENT = 1;
export const EMPTY = 2;

export class EntryTable {
  state = new Uint8Array(64);
  bits: Uint32Array;
  norms = new Float64Array(64);
  buckets: BigUint64Array;
  /** Rows in state PRESENT or EMPTY. */
  count = 0;

  constructor(
    readonly words: number,
    readonly tables: number,
  ) {
    this.bits = new Uint32Array(64 * words);
    this.buckets = new BigUint64Array(64 * tables);
  }

  private ensure(rid: number): void {
    if (rid < this.state.length) return;
    let cap = this.state.length;
    while (cap <= rid) cap *= 2;
    const state = new Uint8Array(cap);
    state.set(this.state);
    const bits = new Uint32Array(cap * this.words);
    bits.set(this.bits);
    const norms = new Float64Array(cap);
    norms.set(this.norms);
    const buckets = new BigUint64Array(cap * this.tables);
    buckets.set(this.buckets);
    this.state = state;
    this.bits = bits;
    this.norms = norms;
    this.buckets = buckets;
  }

  stateOf(rid: number): number {
    return rid < this.state.length ? this.state[rid]! : ABSENT;
  }

  set(rid: number, e: Entry | null): void {
    this.ensure(rid);
    if (this.state[rid] === ABSENT) this.count++;
    if (!e) {
      this.state[rid] = EMPTY;
      return;
    }
    this.state[rid] = PRESENT;
    this.bits.set(e.bits, rid * this.words);
    this.norms[rid] = e.norm;
    for (let t = 0; t < this.tables; t++) this.buckets[rid * this.tables + t] = e.buckets[t]!;
  }

  delete(rid: number): void {
    if (this.stateOf(rid) === ABSENT) return;
    this.state[rid] = ABSENT;
    this.count--;
  }

  /** The entry as an object (null for an empty one, undefined when absent). */
  get(rid: number): Entry | null | undefined {
    const s = this.stateOf(rid);
    if (s === ABSENT) return undefined;
    if (s === EMPTY) return null;
    const buckets: bigint[] = [];
    for (let t = 0; t < this.tables; t++) buckets.push(this.buckets[rid * this.tables + t]!);
    return { buckets, bits: this.bits.slice(rid * this.words, (rid + 1) * this.words), norm: this.norms[rid]! };
  }

  bucket(rid: number, t: number): bigint {
    return this.buckets[rid * this.tables + t]!;
  }

  /** Row ids not ABSENT, ascending. */
  *ids(): IterableIterator<number> {
    for (let rid = 0; rid < this.state.length; rid++) if (this.state[rid] !== ABSENT) yield rid;
  }

  clear(): void {
    this.state = new Uint8Array(64);
    this.bits = new Uint32Array(64 * this.words);
    this.norms = new Float64Array(64);
    this.buckets = new BigUint64Array(64 * this.tables);
    this.count = 0;
  }
}
