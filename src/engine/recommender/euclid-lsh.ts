/**
 * The `euclid_lsh` recommender (engine spec §8.2; 1.1.1's lsh_index_storage): each row is
 * projected on hash_num·table_num Gaussian directions (float32, as the lsh signer), scaled by
 * 1/bin_width; the signs give a simhash, and per table the floors of (projection + shift) —
 * shift ~ U[0,1) from MT19937(seed) — hash (FNV-1 over the ints and the table number) into a
 * bucket. A query gathers candidates from its own buckets, then from multi-probe perturbations
 * (`probe_num`) until it has `ret_num`, and ranks them by −estimated distance
 * sqrt(n_q² + n_r² − 2·n_q·n_r·cos((1 − matches/bits)·π)).
 *
 * Model part `[master, diff, lsh_table, lsh_table_diff, shift, table_num, key_manager]`, rows
 * `{id: [[bucket hashes], [bit_num, raw], norm]}`. MIX: the diff rows (empty entry = removed).
 */
import {
  MsgpackError, expectArray, expectMap, expectNumber, expectString, type MsgValue,
} from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { KeyManager } from '../common/key-manager.js';
import { Mt19937 } from '../common/mt19937.js';
import type { FeatureVector } from '../datum.js';
import type { RowUnlearner } from '../inverted_index/diff.js';
import type { LinearPart } from '../mixable.js';
import { ProjectionCache, defaultCacheKeys } from '../nearest_neighbor/projection-cache.js';
import { wordsFor } from '../nearest_neighbor/signature.js';
import { TopK } from '../nearest_neighbor/top-k.js';
import { popcount, readBits, sigBytes } from './bit-table.js';
import type { RecommenderDriver, ScoredRow } from './driver.js';
import { ABSENT, EMPTY, EntryTable, PRESENT, type Entry } from './entry-table.js';
import { ProbeGenerator, hashInts } from './lsh-probe.js';

export interface EuclidLshParams {
  hashNum: number;
  tableNum: number;
  binWidth: number;
  probeNum: number;
  seed: number;
  cacheSize: number;
}


/** id → entry, or null for a removal. */
export type EuclidDiff = Map<string, Entry | null>;

const fround = Math.fround;

export class EuclidLshRecommender implements RecommenderDriver {
  readonly allBits: number;
  readonly words: number;
  readonly shift: Float32Array;
  private readonly cache: ProjectionCache;
  private readonly proj: Float32Array;
  private readonly cosOf: Float64Array;
  /** Row keys → ids, never forgotten (bucket lists hold ids). */
  keys = new KeyManager();
  /** Rows as of the last MIX, by row id. */
  master: EntryTable;
  /** Rows set here since (EMPTY: removed here, to be sent as a removal), by row id. */
  local: EntryTable;
  /** bucket → row ids of the master rows (MIX order), and of rows set here since (ascending). */
  mixedBuckets = new Map<bigint, number[]>();
  localBuckets = new Map<bigint, number[]>();

  constructor(
    readonly params: EuclidLshParams,
    private readonly unlearner: () => RowUnlearner | undefined,
  ) {
    this.allBits = params.hashNum * params.tableNum;
    this.words = wordsFor(this.allBits);
    this.shift = new Float32Array(this.allBits);
    const rnd = new Mt19937(params.seed >>> 0);
    for (let i = 0; i < this.allBits; i++) this.shift[i] = rnd.nextDouble();
    this.cache = new ProjectionCache(this.allBits, params.cacheSize > 0 ? params.cacheSize : defaultCacheKeys(this.allBits));
    this.proj = new Float32Array(this.allBits);
    this.master = new EntryTable(this.words, params.tableNum);
    this.local = new EntryTable(this.words, params.tableNum);
    // cos of the angle (1 − same/bits)·π for every count of matching bits, evaluated exactly as
    // the distance needs it.
    this.cosOf = new Float64Array(this.allBits + 1);
    for (let same = 0; same <= this.allBits; same++) this.cosOf[same] = Math.cos((1 - same / this.allBits) * Math.PI);
  }

  /** The scaled projection of `fv` into this.proj. */
  private project(fv: FeatureVector): Float32Array {
    const p = this.proj.fill(0);
    const N = this.allBits;
    for (let f = 0; f < fv.keys.length; f++) {
      const g = this.cache.get(fv.keys[f]!);
      const v = fround(fv.values[f]!);
      for (let j = 0; j < N; j++) p[j] = p[j]! + fround(v * g[j]!);
    }
    const bw = this.params.binWidth;
    for (let j = 0; j < N; j++) p[j] = p[j]! / bw;
    return p;
  }

  private signOf(hash: Float32Array): Uint32Array {
    const bits = new Uint32Array(this.words);
    for (let j = 0; j < hash.length; j++) if (hash[j]! > 0) bits[j >>> 5] = bits[j >>> 5]! | (1 << (j & 31));
    return bits;
  }

  /** Shifted projection and its floors (per table, hashNum ints each). */
  private baseOf(hash: Float32Array): { shifted: Float32Array; base: Int32Array } {
    const shifted = new Float32Array(hash.length);
    const base = new Int32Array(hash.length);
    for (let j = 0; j < hash.length; j++) {
      shifted[j] = hash[j]! + this.shift[j]!;
      base[j] = Math.floor(shifted[j]!);
    }
    return { shifted, base };
  }

  private tableKey(key: Int32Array | number[], table: number): bigint {
    const k = Array.from(key);
    k.push(table);
    return hashInts(k);
  }

  private entryOf(fv: FeatureVector): { entry: Entry; shifted: Float32Array; base: Int32Array } {
    const hash = this.project(fv);
    const bits = this.signOf(hash);
    const { shifted, base } = this.baseOf(hash);
    const H = this.params.hashNum;
    const buckets: bigint[] = [];
    for (let t = 0; t < this.params.tableNum; t++) buckets.push(this.tableKey(base.subarray(t * H, t * H + H), t));
    let s = 0;
    for (const v of fv.values) s += v * v;
    return { entry: { buckets, bits, norm: Math.sqrt(s) }, shifted, base };
  }

  /** Which table holds what a lookup of `rid` sees: the local one (even a removal), else the master. */
  private tableOf(rid: number): EntryTable | undefined {
    if (rid < 0) return undefined;
    if (this.local.stateOf(rid) !== ABSENT) return this.local;
    return this.master.stateOf(rid) !== ABSENT ? this.master : undefined;
  }

  /** Drops `rid` from the local bucket lists of its entry in `t` (1.1.1's put_empty_entry). */
  private dropLocal(rid: number, t: EntryTable): void {
    if (t.stateOf(rid) !== PRESENT) return;
    for (let tb = 0; tb < this.params.tableNum; tb++) {
      const b = t.bucket(rid, tb);
      const list = this.localBuckets.get(b);
      if (!list) continue;
      const i = lowerBound(list, rid);
      if (list[i] !== rid) continue;
      list.splice(i, 1);
      if (list.length === 0) this.localBuckets.delete(b);
    }
  }

  updateRow(id: string, _diff: FeatureVector, row: () => FeatureVector): void {
    const rid0 = this.keys.idOf(id);
    if (rid0 >= 0) this.dropLocal(rid0, this.local.stateOf(rid0) !== ABSENT ? this.local : this.master);
    const e = this.entryOf(row()).entry;
    const rid = this.keys.getId(id);
    this.local.set(rid, e);
    for (const b of e.buckets) {
      let list = this.localBuckets.get(b);
      if (!list) this.localBuckets.set(b, (list = []));
      const i = lowerBound(list, rid);
      if (list[i] !== rid) list.splice(i, 0, rid);
    }
  }

  /**
   * As 1.1.1: a row the master does not hold is dropped from the local table at once (its id
   * stays in the bucket lists, where lookups skip it); a master row is kept as a removal.
   */
  removeRow(id: string): void {
    const rid = this.keys.idOf(id);
    if (rid < 0) return;
    if (this.master.stateOf(rid) === ABSENT) {
      this.local.delete(rid);
      return;
    }
    this.local.set(rid, null);
    this.dropLocal(rid, this.master);
  }

  clear(): void {
    this.keys = new KeyManager();
    this.master.clear();
    this.local.clear();
    this.mixedBuckets = new Map();
    this.localBuckets = new Map();
  }

  /**
   * The candidates of the query being gathered: row ids in first-seen order (`cand`, `candN`),
   * each once (`seen[rid] === seenGen`). Typed arrays reused across queries: no Set per query.
   */
  private cand = new Int32Array(64);
  private candN = 0;
  private seen = new Uint32Array(64);
  private seenGen = 0;

  private startGather(): void {
    this.candN = 0;
    if (this.seen.length < this.keys.nextId) this.seen = new Uint32Array(Math.max(this.keys.nextId, 2 * this.seen.length));
    this.seenGen = (this.seenGen + 1) >>> 0;
    if (this.seenGen === 0) {
      this.seen.fill(0);
      this.seenGen = 1;
    }
  }

  private addCandidates(list: number[]): void {
    const seen = this.seen, gen = this.seenGen;
    for (const r of list) {
      if (seen[r] === gen) continue;
      seen[r] = gen;
      if (this.candN === this.cand.length) {
        const grown = new Int32Array(2 * this.cand.length);
        grown.set(this.cand);
        this.cand = grown;
      }
      this.cand[this.candN++] = r;
    }
  }

  /** Adds the rows of bucket `b` to the candidates; true once there are `k` (stale ids count too). */
  private gather(b: bigint, k: number): boolean {
    const local = this.localBuckets.get(b);
    if (local) this.addCandidates(local);
    const mixed = this.mixedBuckets.get(b);
    if (mixed) this.addCandidates(mixed);
    return this.candN >= k;
  }

  /**
   * The `k` best candidates by score, equal scores in candidate order (1.1.1's order there is
   * its hash set's): a bounded heap on (distance, candidate index), never a sort of them all.
   */
  private rank(bits: Uint32Array, norm: number, k: number): ScoredRow[] {
    const count = this.candN, cand = this.cand;
    const rows = new Int32Array(count);
    let n = 0;
    const heap = new TopK(Math.min(k, count));
    const B = this.allBits;
    const W = this.words;
    const cosOf = this.cosOf;
    for (let c = 0; c < count; c++) {
      const rid = cand[c]!;
      const t = this.tableOf(rid);
      if (!t || t.stateOf(rid) !== PRESENT) continue;
      const tb = t.bits;
      const off = rid * W;
      let diff = 0;
      for (let w = 0; w < W; w++) diff += popcount((bits[w]! ^ tb[off + w]!) >>> 0);
      const same = B - diff;
      const rn = t.norms[rid]!;
      let dist: number;
      if (same === B) dist = Math.abs(norm - rn);
      else {
        const dot = rn * norm * cosOf[same]!;
        dist = Math.sqrt(norm * norm + rn * rn - 2 * dot);
      }
      rows[n] = rid;
      if (heap.n < heap.k) heap.push(dist, n);
      else if (dist < heap.s[0]!) heap.replaceTop(dist, n);
      n++;
    }
    const best = heap.sorted();
    return best.rows.map((i, j) => [this.keys.keyOf(rows[i]!), -best.scores[j]!]);
  }

  similar(fv: FeatureVector, k: number): ScoredRow[] {
    if (k <= 0) return [];
    const { entry, shifted, base } = this.entryOf(fv);
    this.startGather();
    for (let t = 0; t < this.params.tableNum; t++) {
      if (this.gather(entry.buckets[t]!, k)) return this.rank(entry.bits, entry.norm, k);
    }
    const gen = new ProbeGenerator(shifted, base, this.params.tableNum, this.params.hashNum);
    gen.init();
    for (let i = 0; i < this.params.probeNum; i++) {
      const p = gen.next();
      // An exhausted generator answers table −1 with an empty key, as 1.1.1's does.
      const b = p ? this.tableKey(p.key, p.table) : hashInts([-1]);
      if (this.gather(b, k)) break;
    }
    return this.rank(entry.bits, entry.norm, k);
  }

  similarFromId(id: string, k: number): ScoredRow[] {
    const rid = this.keys.idOf(id);
    const t = this.tableOf(rid);
    if (!t) return [];
    // A pending removal has no buckets: nothing is found (as 1.1.1).
    const e = t.get(rid);
    if (!e) return [];
    this.startGather();
    for (const b of e.buckets) if (this.gather(b, k)) break;
    return this.rank(e.bits, e.norm, k);
  }

  allRowIds(): string[] {
    const out: string[] = [];
    for (const rid of this.local.ids()) if (this.local.stateOf(rid) === PRESENT) out.push(this.keys.keyOf(rid));
    for (const rid of this.master.ids()) if (this.local.stateOf(rid) === ABSENT) out.push(this.keys.keyOf(rid));
    return out;
  }

  // ---- model file ----

  private writeEntry(w: MsgWriter, e: Entry | null): void {
    w.arrayHeader(3);
    if (!e) {
      w.arrayHeader(0);
      w.arrayHeader(2);
      w.int(0);
      w.raw(new Uint8Array(0));
      w.float64(0);
      return;
    }
    w.arrayHeader(e.buckets.length);
    for (const b of e.buckets) w.int(b);
    w.arrayHeader(2);
    w.int(this.allBits);
    w.raw(sigBytes(e.bits, 0, this.allBits));
    w.float64(e.norm);
  }

  private writeRows(w: MsgWriter, rows: Map<string, Entry | null>): void {
    w.mapHeader(rows.size);
    for (const [id, e] of rows) {
      w.str(id);
      this.writeEntry(w, e);
    }
  }

  private writeTable(w: MsgWriter, t: EntryTable): void {
    w.mapHeader(t.count);
    for (const rid of t.ids()) {
      w.str(this.keys.keyOf(rid));
      this.writeEntry(w, t.get(rid)!);
    }
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(7);
    this.writeTable(w, this.master);
    this.writeTable(w, this.local);
    for (const t of [this.mixedBuckets, this.localBuckets]) {
      w.mapHeader(t.size);
      for (const [b, list] of t) {
        w.int(b);
        w.arrayHeader(list.length);
        for (const r of list) w.int(r);
      }
    }
    w.arrayHeader(this.shift.length);
    for (const s of this.shift) w.float32(s);
    w.int(this.params.tableNum);
    this.keys.pack(w);
  }

  private readEntry(v: MsgValue, what: string): Entry | null {
    const a = expectArray(v, what, 3);
    const hashes = expectArray(a[0]!, `${what} hashes`);
    const bits = new Uint32Array(this.words);
    const has = readBits(a[1]!, this.allBits, bits, what);
    if (hashes.length === 0 || !has) return null;
    if (hashes.length !== this.params.tableNum) throw new MsgpackError(`${what}: ${hashes.length} hashes for ${this.params.tableNum} tables`);
    const buckets = hashes.map((h) => (typeof h === 'bigint' ? BigInt.asUintN(64, h) : BigInt(expectNumber(h, `${what} hash`))));
    return { buckets, bits, norm: expectNumber(a[2]!, `${what} norm`) };
  }

  private readBuckets(v: MsgValue, what: string, next: number): Map<bigint, number[]> {
    const t = new Map<bigint, number[]>();
    for (const [k, lv] of expectMap(v, what).entries) {
      const b = typeof k === 'bigint' ? BigInt.asUintN(64, k) : BigInt(expectNumber(k, `${what} bucket`));
      t.set(b, expectArray(lv, `${what} rows`).map((r) => {
        const id = expectNumber(r, `${what} row`);
        if (!Number.isInteger(id) || id < 0 || id >= next) throw new MsgpackError(`${what}: row id ${id} is not below next_id ${next}`);
        return id;
      }));
    }
    return t;
  }

  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'lsh_index_storage', 7);
    const keys = KeyManager.unpack(a[6]!, 'lsh_index_storage keys');
    const tableNum = expectNumber(a[5]!, 'lsh_index_storage table_num');
    if (tableNum !== this.params.tableNum) throw new MsgpackError(`lsh_index_storage: table_num ${tableNum} differs from the config's ${this.params.tableNum}`);
    const shift = expectArray(a[4]!, 'lsh_index_storage shift');
    if (shift.length !== this.allBits) throw new MsgpackError(`lsh_index_storage: ${shift.length} shifts for ${this.allBits} projections`);
    const master = new EntryTable(this.words, this.params.tableNum);
    const local = new EntryTable(this.words, this.params.tableNum);
    const rowId = (k: MsgValue): number => {
      const id = keys.idOf(expectString(k, 'lsh_index_storage row id'));
      if (id < 0) throw new MsgpackError('lsh_index_storage: a row id is not in its key manager');
      return id;
    };
    for (const [k, ev] of expectMap(a[0]!, 'lsh_index_storage master').entries) {
      const e = this.readEntry(ev, 'lsh_index_storage master row');
      if (e) master.set(rowId(k), e);
    }
    for (const [k, ev] of expectMap(a[1]!, 'lsh_index_storage diff').entries) {
      local.set(rowId(k), this.readEntry(ev, 'lsh_index_storage diff row'));
    }
    const mixed = this.readBuckets(a[2]!, 'lsh_index_storage lsh_table', keys.nextId);
    const localBuckets = this.readBuckets(a[3]!, 'lsh_index_storage lsh_table_diff', keys.nextId);
    return () => {
      // The shifts are the config seed's; a file's own are the same numbers for the same config.
      this.keys = keys;
      this.master = master;
      this.local = local;
      this.mixedBuckets = mixed;
      this.localBuckets = localBuckets;
    };
  }

  // ---- MIX (1.1.1's lsh_index_storage get_diff / mix / put_diff) ----

  /** Drops a row from the master bucket lists of the entry a lookup sees (1.1.1's remove_model_row). */
  private removeMixedRow(rid: number): void {
    const t = this.tableOf(rid);
    if (!t || t.stateOf(rid) !== PRESENT) return;
    for (let i = 0; i < this.params.tableNum; i++) {
      const b = t.bucket(rid, i);
      const list = this.mixedBuckets.get(b);
      if (!list) continue;
      const at = list.indexOf(rid);
      if (at < 0) continue;
      list.splice(at, 1);
      if (list.length === 0) this.mixedBuckets.delete(b);
    }
  }

  private putDiff(d: EuclidDiff): boolean {
    const u = this.unlearner();
    for (const [id, e] of d) {
      if (!e) {
        u?.remove(id);
        const rid = this.keys.idOf(id);
        this.removeMixedRow(rid);
        if (rid >= 0) this.master.delete(rid);
        continue;
      }
      if (u) {
        if (!u.canTouch(id)) continue;
        u.touch(id);
      }
      this.removeMixedRow(this.keys.idOf(id));
      const rid = this.keys.getId(id);
      this.master.set(rid, e);
      for (const b of e.buckets) {
        let list = this.mixedBuckets.get(b);
        if (!list) this.mixedBuckets.set(b, (list = []));
        list.push(rid);
      }
    }
    // Removals made since get_diff that the mixed diff does not carry wait for the next MIX.
    const removed: number[] = [];
    for (const rid of this.local.ids()) if (this.local.stateOf(rid) === EMPTY && d.get(this.keys.keyOf(rid)) !== null) removed.push(rid);
    this.local.clear();
    for (const rid of removed) this.local.set(rid, null);
    this.localBuckets = new Map();
    return true;
  }

  /** The local table as a diff (EMPTY rows as removals). */
  private localDiff(): EuclidDiff {
    const d: EuclidDiff = new Map();
    for (const rid of this.local.ids()) d.set(this.keys.keyOf(rid), this.local.get(rid)!);
    return d;
  }

  private writeDiff(w: MsgWriter, d: EuclidDiff): void {
    this.writeRows(w, d);
  }

  linearPart(): LinearPart<EuclidDiff> {
    return {
      packDiff: (w) => this.writeRows(w, this.localDiff()),
      unpackDiff: (v) => {
        const d: EuclidDiff = new Map();
        for (const [k, ev] of expectMap(v, 'lsh_index_storage diff').entries) {
          d.set(expectString(k, 'lsh_index_storage diff row id'), this.readEntry(ev, 'lsh_index_storage diff row'));
        }
        return d;
      },
      mixDiff: (acc, incoming) => {
        for (const [id, e] of incoming) acc.set(id, e);
        return acc;
      },
      writeDiff: (w, d) => this.writeDiff(w, d),
      putDiff: (d) => this.putDiff(d),
    };
  }

  status(): Record<string, string> {
    return {};
  }
}

function lowerBound(list: number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
