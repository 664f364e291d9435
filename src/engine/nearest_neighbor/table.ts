/**
 * The nearest_neighbor column table (spec §4.3): rows in insertion order, stored column-wise so a
 * million rows cost a few typed arrays rather than a million objects. Signatures live in one
 * Uint32Array (`words` per row), norms (euclid_lsh) in a Float64Array, versions as an owner index
 * into a small owner-string table plus a clock, ids in one array with a typed-array hash index.
 *
 * The signature array is a view into WebAssembly memory where available, so the search can
 * pre-filter rows with wasm popcounts (scan-wasm.ts); the word layout is the same either way.
 * Signatures and norms live in shared memory so the server's analysis threads read them in
 * place (`shared()`); the rest stays with the thread that writes.
 */
import { IdIndex } from './id-index.js';
import { WasmSigStore, type SharedSigStore } from './scan-wasm.js';
import { wordsFor } from './signature.js';

const INITIAL_CAPACITY = 1024;

/**
 * What another thread needs to rank queries over a table without copying it: the signature
 * store (wasm memory, or the plain array's shared buffer) and the norms' shared buffer. The
 * row count is not here: it travels with each query.
 */
export interface SharedTable {
  hashNum: number;
  words: number;
  store: SharedSigStore | null;
  sigs: SharedArrayBuffer | null;
  norms: SharedArrayBuffer | null;
}

/** A zeroed array over shared memory, which other threads can read in place. */
function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}

function sharedUint32(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(length * 4));
}

export class RowTable {
  readonly words: number;
  /** Row count. Rows 0..size-1 are live. */
  size = 0;
  /** Table clock: bumped on every row write; the next write's version clock. */
  clock = 0;
  norms: Float64Array | null;
  ownerIdx: Uint32Array;
  clocks: Float64Array;
  ids: string[] = [];
  private readonly index: IdIndex;
  readonly owners: string[] = [];
  private readonly ownerIndex = new Map<string, number>();
  /** MIX version clock (§4.7): owner → highest row clock applied through MIX. Not saved. */
  readonly versionClock = new Map<string, number>();
  private capacity: number;
  /** The wasm-backed signature store, or null when signatures are a plain array (`jsSigs`). */
  private store: WasmSigStore | null;
  private jsSigs: Uint32Array;
  private sharedCache: SharedTable | null = null;

  /** `wasm` false keeps signatures in a plain array and the search on its JS path. */
  constructor(
    readonly hashNum: number,
    readonly hasNorm: boolean,
    capacity = INITIAL_CAPACITY,
    private readonly wasm = true,
  ) {
    this.words = wordsFor(hashNum);
    this.capacity = Math.max(1, capacity);
    this.index = new IdIndex(this.ids, capacity);
    this.store = wasm ? WasmSigStore.create(this.words, this.capacity) : null;
    this.jsSigs = this.store ? new Uint32Array(0) : sharedUint32(this.capacity * this.words);
    this.norms = hasNorm ? sharedFloat64(this.capacity) : null;
    this.ownerIdx = new Uint32Array(this.capacity);
    this.clocks = new Float64Array(this.capacity);
  }

  /**
   * The shared handles of the columns a search reads; the same object until one of them is
   * replaced (growth of the norms or of a plain signature array, clear), so a reader thread
   * re-attaches only then.
   */
  shared(): SharedTable {
    const c = this.sharedCache;
    const sigs = this.store ? null : (this.jsSigs.buffer as SharedArrayBuffer);
    const norms = (this.norms?.buffer as SharedArrayBuffer | undefined) ?? null;
    if (c && c.sigs === sigs && c.norms === norms && (c.store === null) === (this.store === null)) return c;
    this.sharedCache = { hashNum: this.hashNum, words: this.words, store: this.store?.shared ?? null, sigs, norms };
    return this.sharedCache;
  }

  /**
   * Signatures, `words` uint32 per row (bit i of a row in word i >> 5, bit i & 31). The array is
   * replaced when the table grows (a wasm-backed one by a longer view of the same memory): read
   * it afresh after any call that can add a row (slotFor, writeRaw) rather than holding on to it.
   */
  get sigs(): Uint32Array {
    return this.store ? this.store.sigs : this.jsSigs;
  }

  /** The wasm scanner over `sigs`, or null when the search must take the JS path. */
  get scanner(): WasmSigStore | null {
    return this.store;
  }

  private grow(min: number): void {
    let cap = this.capacity;
    while (cap < min) cap *= 2;
    if (cap === this.capacity) return;
    const W = this.words;
    if (!this.store?.grow(cap)) {
      // No store, or it cannot grow (wasm32 tops out at 4 GiB): a plain array, and JS scans.
      const sigs = sharedUint32(cap * W);
      sigs.set(this.sigs.subarray(0, this.size * W));
      this.jsSigs = sigs;
      this.store = null;
    }
    if (this.norms) {
      const norms = sharedFloat64(cap);
      norms.set(this.norms.subarray(0, this.size));
      this.norms = norms;
    }
    const ownerIdx = new Uint32Array(cap);
    ownerIdx.set(this.ownerIdx.subarray(0, this.size));
    this.ownerIdx = ownerIdx;
    const clocks = new Float64Array(cap);
    clocks.set(this.clocks.subarray(0, this.size));
    this.clocks = clocks;
    this.capacity = cap;
  }

  internOwner(owner: string): number {
    let i = this.ownerIndex.get(owner);
    if (i === undefined) {
      i = this.owners.length;
      this.owners.push(owner);
      this.ownerIndex.set(owner, i);
    }
    return i;
  }

  /**
   * The row index for `id`, appending an empty row when it is new. An existing id keeps its index
   * (tie order depends on it). The caller writes the signature at `row * words` then calls stamp.
   */
  slotFor(id: string): number {
    const existing = this.index.get(id);
    if (existing !== undefined) return existing;
    const row = this.size;
    if (row >= this.capacity) this.grow(row + 1);
    this.ids.push(id);
    this.index.add(row);
    this.size = row + 1;
    return row;
  }

  /** A local write: version := (owner, clock), clock += 1. */
  stamp(row: number, ownerIdx: number): void {
    this.ownerIdx[row] = ownerIdx;
    this.clocks[row] = this.clock;
    this.clock += 1;
  }

  /**
   * Deletes row `id` as 1.1.1's column table does: the last row moves into the hole (which
   * changes the tie order of later searches) and the clock moves on. False when `id` is unknown.
   * The version clock keeps no record: deletions do not travel through MIX.
   */
  deleteRow(id: string): boolean {
    const row = this.index.get(id);
    if (row === undefined) return false;
    const last = this.size - 1;
    this.index.remove(row, last);
    if (row !== last) {
      const W = this.words;
      this.sigs.copyWithin(row * W, last * W, (last + 1) * W);
      if (this.norms) this.norms[row] = this.norms[last]!;
      this.ownerIdx[row] = this.ownerIdx[last]!;
      this.clocks[row] = this.clocks[last]!;
      this.ids[row] = this.ids[last]!;
    }
    this.ids.pop();
    this.size = last;
    this.clock += 1;
    return true;
  }

  rowOf(id: string): number | undefined {
    return this.index.get(id);
  }

  clear(): void {
    this.size = 0;
    this.clock = 0;
    this.ids = [];
    this.index.reset(this.ids);
    this.versionClock.clear();
    // Owners are kept: the table is tiny and indices stay valid for the next writes.
    if (this.capacity > INITIAL_CAPACITY) {
      this.capacity = INITIAL_CAPACITY;
      // wasm memory cannot shrink: a fresh store releases the old one.
      this.store = this.wasm ? WasmSigStore.create(this.words, this.capacity) : null;
      this.jsSigs = this.store ? new Uint32Array(0) : sharedUint32(this.capacity * this.words);
      this.norms = this.hasNorm ? sharedFloat64(this.capacity) : null;
      this.sharedCache = null;
      this.ownerIdx = new Uint32Array(this.capacity);
      this.clocks = new Float64Array(this.capacity);
    }
  }

  /** The uint64 block `b` of a row's signature as (hi, lo) halves. */
  blockHi(row: number, b: number): number {
    const w = 2 * b + 1;
    return w < this.words ? this.sigs[row * this.words + w]! : 0;
  }

  blockLo(row: number, b: number): number {
    return this.sigs[row * this.words + 2 * b]!;
  }

  get blocksPerRow(): number {
    return (this.hashNum + 63) >>> 6;
  }

  /**
   * Bytes held by the typed columns and the id index (capacity, not just size); id strings
   * excluded, and so are a wasm store's scan slots (touched only by threads that scan) and its
   * rounding to 64 KiB pages.
   */
  columnBytes(): number {
    return this.capacity * this.words * 4 + (this.norms?.byteLength ?? 0) + this.ownerIdx.byteLength + this.clocks.byteLength + this.index.byteLength;
  }

  /** Bytes of the shared columns (signature store or array, norms), scan slots included. */
  sharedBytes(): number {
    return (this.store ? this.store.byteLength : this.jsSigs.byteLength) + (this.norms?.byteLength ?? 0);
  }

  /** Makes room for `rows` rows in every column and the index at once (a MIX brings many). */
  reserve(rows: number): void {
    if (rows > this.capacity) this.grow(rows);
    this.index.reserve(rows);
  }

  /** `rowOf` with `hashId(id)` already known. */
  rowOfHashed(id: string, hash: number): number | undefined {
    return this.index.getHashed(id, hash);
  }

  /** Appends the row of a new `id` (the caller knows it is absent) with the version given. */
  appendRow(id: string, hash: number, ownerIdx: number, clock: number): number {
    const row = this.size;
    if (row >= this.capacity) this.grow(row + 1);
    this.ids.push(id);
    this.index.addHashed(row, hash);
    this.size = row + 1;
    this.ownerIdx[row] = ownerIdx;
    this.clocks[row] = clock;
    return row;
  }

  /** Inserts (appends) or overwrites a row's version as given; used by unpack and MIX. */
  writeRaw(id: string, ownerIdx: number, clock: number): number {
    const row = this.slotFor(id);
    this.ownerIdx[row] = ownerIdx;
    this.clocks[row] = clock;
    return row;
  }
}
