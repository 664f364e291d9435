/**
 * The inverted index Jubatus 1.1.1 keeps for cosine/euclidean classifiers and regressions and for
 * the inverted_index recommenders (core storage/inverted_index_storage, engine spec §5.4).
 *
 * Vocabulary: a *row* is a stored example (1.1.1 calls it a column), a *feature* is a feature key
 * (1.1.1's row). Each feature has a posting list row id → value, in a master table (state at the
 * last MIX) and a diff table (changes since; where a row is in both, the diff wins). Each row has a
 * squared L2 norm, also as master + diff: standalone everything sits in the diff; after a MIX the
 * master holds the cluster's norm and the diff the local change since. Row keys are interned to
 * dense ids (KeyManager), so norms live in typed columns indexed by id.
 *
 * Model-file form `[master, diff, norm master, norm diff, row keys]`: the tables are maps
 * feature → {row id → value}, the norm maps row id → squared norm.
 */
import {
  MsgpackError, expectArray, expectMap, expectNumber, expectString, type MsgValue,
} from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { KeyManager } from '../common/key-manager.js';

/** Row id → value of one feature. */
export type Postings = Map<number, number>;
/** Feature → postings. */
export type PostingTable = Map<string, Postings>;

const MASTER = 1;
const DIFF = 2;

export class InvertedIndexStorage {
  master: PostingTable = new Map();
  diff: PostingTable = new Map();
  keys = new KeyManager();
  /** Squared norms by row id, and which of the two maps holds an entry (MASTER | DIFF bits). */
  normMaster = new Float64Array(64);
  normDiff = new Float64Array(64);
  normFlags = new Uint8Array(64);
  /**
   * (0 + diff) + master per row, recomputed from both parts whenever one changes, so a query
   * reads one column and gets the very double 1.1.1 sums on every query.
   */
  normSum = new Float64Array(64);

  private ensure(id: number): void {
    if (id < this.normSum.length) return;
    let cap = this.normSum.length;
    while (cap <= id) cap *= 2;
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.normMaster = grow(this.normMaster, (n) => new Float64Array(n));
    this.normDiff = grow(this.normDiff, (n) => new Float64Array(n));
    this.normFlags = grow(this.normFlags, (n) => new Uint8Array(n));
    this.normSum = grow(this.normSum, (n) => new Float64Array(n));
  }

  private refreshSum(id: number): void {
    const f = this.normFlags[id]!;
    let s = 0;
    if (f & DIFF) s += this.normDiff[id]!;
    if (f & MASTER) s += this.normMaster[id]!;
    this.normSum[id] = s;
  }

  /** Squared norm of row `id` (0 when it has none: removed, or never had a non-zero value). */
  squaredNorm(id: number): number {
    return id < this.normSum.length ? this.normSum[id]! : 0;
  }

  /** Adds `delta` to the row's diff norm, creating the entry; an entry that becomes 0 is erased. */
  private addDiffNorm(id: number, delta: number, eraseZero: boolean): void {
    this.ensure(id);
    const had = (this.normFlags[id]! & DIFF) !== 0;
    const v = (had ? this.normDiff[id]! : 0) + delta;
    this.normDiff[id] = v;
    this.normFlags[id] = this.normFlags[id]! | DIFF;
    if (eraseZero && v === 0) this.normFlags[id] = this.normFlags[id]! & ~DIFF;
    this.refreshSum(id);
  }

  /** Stores `value` for (feature, row), keeping the row's squared norm up to date. */
  set(feature: string, rowKey: string, value: number): void {
    let id = this.keys.idOf(rowKey);
    if (id < 0) id = this.keys.getId(rowKey);
    else {
      const cur = this.get(feature, id);
      // 1.1.1 subtracts the old square and adds the new one as two steps, erasing at exactly 0.
      this.addDiffNorm(id, -(cur * cur), false);
    }
    let p = this.diff.get(feature);
    if (!p) this.diff.set(feature, (p = new Map()));
    p.set(id, value);
    this.addDiffNorm(id, value * value, true);
  }

  /** The current value of (feature, row id): the diff's when present, else the master's, else 0. */
  get(feature: string, id: number): number {
    const d = this.diff.get(feature)?.get(id);
    if (d !== undefined) return d;
    return this.master.get(feature)?.get(id) ?? 0;
  }

  /**
   * Removes (feature, row). A value the master holds stays in the diff as 0 until the next MIX, so
   * the removal reaches the other servers; otherwise it is dropped at once.
   */
  remove(feature: string, rowKey: string): void {
    const id = this.keys.idOf(rowKey);
    if (id < 0) return;
    this.set(feature, rowKey, 0);
    if (this.master.get(feature)?.has(id)) return;
    const p = this.diff.get(feature);
    if (p?.delete(id) && p.size === 0) this.diff.delete(feature);
  }

  /**
   * After every value of a row was removed: its norm is cancelled so the next MIX erases the row
   * everywhere (a row only this server knew is forgotten at once).
   */
  markRowRemoved(rowKey: string): void {
    const id = this.keys.idOf(rowKey);
    if (id < 0) return;
    this.ensure(id);
    if (this.normFlags[id]! & MASTER) {
      this.normDiff[id] = -this.normMaster[id]!;
      this.normFlags[id] = this.normFlags[id]! | DIFF;
    } else {
      this.normFlags[id] = this.normFlags[id]! & ~DIFF;
    }
    this.refreshSum(id);
  }

  clear(): void {
    this.master = new Map();
    this.diff = new Map();
    this.keys = new KeyManager();
    this.normMaster = new Float64Array(64);
    this.normDiff = new Float64Array(64);
    this.normFlags = new Uint8Array(64);
    this.normSum = new Float64Array(64);
  }

  /** Keys of the rows that still have a norm (1.1.1's get_all_column_ids), master rows first. */
  allRowKeys(): string[] {
    const out: string[] = [];
    const n = this.keys.nextId;
    for (let id = 0; id < n && id < this.normFlags.length; id++) if (this.normFlags[id]! & MASTER) out.push(this.keys.keyOf(id));
    const drop = new Set<string>();
    for (let id = 0; id < n && id < this.normFlags.length; id++) {
      const f = this.normFlags[id]!;
      if (!(f & DIFF) || f & MASTER) continue;
      if (this.normDiff[id]! > 0) out.push(this.keys.keyOf(id));
      else drop.add(this.keys.keyOf(id));
    }
    return drop.size ? out.filter((k) => !drop.has(k)) : out;
  }

  /** Rows a query can find (a positive squared norm). */
  get rowCount(): number {
    let n = 0;
    for (let id = 0; id < this.keys.nextId && id < this.normSum.length; id++) if (this.normSum[id]! > 0) n++;
    return n;
  }

  // ---- MIX primitives (diff.ts builds the wire forms on these) ----

  /** put_diff's norm step: master += delta (entry created at 0), erased at ≤ 0. */
  addMasterNorm(id: number, delta: number): void {
    this.ensure(id);
    const v = (this.normFlags[id]! & MASTER ? this.normMaster[id]! : 0) + delta;
    this.normMaster[id] = v;
    this.normFlags[id] = v <= 0 ? this.normFlags[id]! & ~MASTER : this.normFlags[id]! | MASTER;
    this.refreshSum(id);
  }

  eraseMasterNorm(id: number): void {
    this.ensure(id);
    this.normFlags[id] = this.normFlags[id]! & ~MASTER;
    this.refreshSum(id);
  }

  /** Ids with a diff norm entry. */
  *diffNormIds(): IterableIterator<number> {
    const f = this.normFlags;
    for (let id = 0; id < this.keys.nextId && id < f.length; id++) if (f[id]! & DIFF) yield id;
  }

  /** After put_diff: every diff (postings and norms) is folded into the master. */
  clearDiff(): void {
    this.diff = new Map();
    const f = this.normFlags;
    for (let id = 0; id < f.length; id++) {
      if (f[id]! & DIFF) {
        f[id] = f[id]! & ~DIFF;
        this.refreshSum(id);
      }
    }
  }

  // ---- model file ----

  pack(w: MsgWriter): void {
    w.arrayHeader(5);
    writeTable(w, this.master);
    writeTable(w, this.diff);
    this.writeNorms(w, MASTER, this.normMaster);
    this.writeNorms(w, DIFF, this.normDiff);
    this.keys.pack(w);
  }

  private writeNorms(w: MsgWriter, bit: number, values: Float64Array): void {
    const ids: number[] = [];
    for (let id = 0; id < this.keys.nextId && id < this.normFlags.length; id++) if (this.normFlags[id]! & bit) ids.push(id);
    w.mapHeader(ids.length);
    for (const id of ids) {
      w.int(id);
      w.float64(values[id]!);
    }
  }

  /** Decodes and checks a model-file storage; the returned function installs it into `this`. */
  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'inverted_index_storage', 5);
    const keys = KeyManager.unpack(a[4]!, 'inverted_index_storage row keys');
    const next = keys.nextId;
    const master = readTable(a[0]!, 'inverted index master', next);
    const diff = readTable(a[1]!, 'inverted index diff', next);
    const s = new InvertedIndexStorage();
    s.keys = keys;
    s.master = master;
    s.diff = diff;
    if (next > 0) s.ensure(next - 1);
    readNorms(a[2]!, 'inverted index norm master', next, (id, x) => {
      s.normMaster[id] = x;
      s.normFlags[id] = s.normFlags[id]! | MASTER;
    });
    readNorms(a[3]!, 'inverted index norm diff', next, (id, x) => {
      s.normDiff[id] = x;
      s.normFlags[id] = s.normFlags[id]! | DIFF;
    });
    for (let id = 0; id < next; id++) s.refreshSum(id);
    return () => {
      this.master = s.master;
      this.diff = s.diff;
      this.keys = s.keys;
      this.normMaster = s.normMaster;
      this.normDiff = s.normDiff;
      this.normFlags = s.normFlags;
      this.normSum = s.normSum;
    };
  }
}

function writeTable(w: MsgWriter, t: PostingTable): void {
  w.mapHeader(t.size);
  for (const [feature, p] of t) {
    w.str(feature);
    w.mapHeader(p.size);
    for (const [id, x] of p) {
      w.int(id);
      w.float64(x);
    }
  }
}

function rowId(v: MsgValue, what: string, next: number): number {
  const id = expectNumber(v, what);
  if (!Number.isInteger(id) || id < 0 || id >= next) throw new MsgpackError(`${what}: row id ${id} is not below next_id ${next}`);
  return id;
}

function readTable(v: MsgValue, what: string, next: number): PostingTable {
  const t: PostingTable = new Map();
  for (const [f, pv] of expectMap(v, what).entries) {
    const feature = expectString(f, `${what} feature`);
    const p: Postings = new Map();
    for (const [i, x] of expectMap(pv, `${what} postings`).entries) p.set(rowId(i, `${what} postings`, next), expectNumber(x, `${what} value`));
    t.set(feature, p);
  }
  return t;
}

function readNorms(v: MsgValue, what: string, next: number, put: (id: number, x: number) => void): void {
  for (const [i, x] of expectMap(v, what).entries) put(rowId(i, what, next), expectNumber(x, `${what} value`));
}
