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
import { popcount, readBits, sigBytes } from './bit-table.js';
import type { RecommenderDriver, ScoredRow } from './driver.js';

export interface EuclidLshParams {
  hashNum: number;
  tableNum: number;
  binWidth: number;
  probeNum: number;
  seed: number;
  cacheSize: number;
}

interface Entry {
  /** One bucket hash per table (uint64). */
  buckets: bigint[];
  bits: Uint32Array;
  norm: number;
}

/** id → entry, or null for a removal. */
export type EuclidDiff = Map<string, Entry | null>;

const fround = Math.fround;

/** FNV-1 64 over the 4 little-endian bytes of each int (1.1.1's hash_lv). */
export function hashInts(v: Int32Array | number[]): bigint {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]! >>> 0;
    for (let s = 0; s < 32; s += 8) {
      // (hi:lo) × 0x100000001b3 mod 2^64.
      const p = lo * 0x1b3;
      const carry = Math.floor(p / 4294967296);
      hi = (Math.imul(hi, 0x1b3) + ((lo << 8) >>> 0) + carry) >>> 0;
      lo = (p >>> 0) ^ ((x >>> s) & 0xff);
      lo >>>= 0;
    }
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Multi-probe order (1.1.1's lsh_probe_generator): perturbations by increasing score. */
class ProbeGenerator {
  private readonly cands: Array<Array<[number, number]>> = [];
  private heap: Array<{ score: number; table: number; diff: number[] }> = [];

  constructor(
    private readonly shifted: Float32Array,
    private readonly base: Int32Array,
    private readonly tables: number,
    private readonly width: number,
  ) {}

  init(): void {
    const W = this.width;
    for (let t = 0; t < this.tables; t++) {
      const c: Array<[number, number]> = [];
      for (let j = 0; j < W; j++) {
        const dist = fround(this.shifted[t * W + j]! - this.base[t * W + j]!);
        const up = fround(1 - dist);
        c.push([fround(up * up), j], [fround(dist * dist), ~j]);
      }
      c.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      this.cands.push(c);
    }
    for (let t = 0; t < this.tables; t++) if (this.cands[t]!.length > 0) this.push({ score: this.cands[t]![0]![0], table: t, diff: [0] });
  }

  /** The next probe's table and key (without the table number); undefined when exhausted. */
  next(): { table: number; key: Int32Array } | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    const W = this.width;
    const key = this.base.slice(top.table * W, top.table * W + W);
    const c = this.cands[top.table]!;
    for (const d of top.diff) {
      const idx = c[d]![1];
      if (idx >= 0) key[idx] = key[idx]! + 1;
      else key[~idx] = key[~idx]! - 1;
    }
    this.pop();
    const last = top.diff[top.diff.length - 1]!;
    if (last + 1 < c.length) {
      const shifted = top.diff.slice();
      shifted[shifted.length - 1] = last + 1;
      this.push({ score: top.score + (c[last + 1]![0] - c[last]![0]), table: top.table, diff: shifted });
      this.push({ score: top.score + c[last + 1]![0], table: top.table, diff: [...top.diff, last + 1] });
    }
    return { table: top.table, key };
  }

  private less(a: { score: number; table: number; diff: number[] }, b: { score: number; table: number; diff: number[] }): boolean {
    if (a.score !== b.score) return a.score < b.score;
    if (a.table !== b.table) return a.table < b.table;
    const n = Math.min(a.diff.length, b.diff.length);
    for (let i = 0; i < n; i++) if (a.diff[i] !== b.diff[i]) return a.diff[i]! < b.diff[i]!;
    return a.diff.length < b.diff.length;
  }

  private push(e: { score: number; table: number; diff: number[] }): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

export class EuclidLshRecommender implements RecommenderDriver {
  readonly allBits: number;
  readonly words: number;
  readonly shift: Float32Array;
  private readonly cache: ProjectionCache;
  private readonly proj: Float32Array;
  keys = new KeyManager();
  /** Live rows. */
  entries = new Map<string, Entry>();
  /** Rows the last MIX's master holds, and rows changed since. */
  master = new Set<string>();
  diff = new Set<string>();
  removed = new Set<string>();
  /** bucket hash → row ids (key-manager ids), ascending. */
  buckets = new Map<bigint, number[]>();

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

  private index(id: string, e: Entry): void {
    const rid = this.keys.getId(id);
    for (const b of e.buckets) {
      let list = this.buckets.get(b);
      if (!list) this.buckets.set(b, (list = []));
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]! < rid) lo = mid + 1;
        else hi = mid;
      }
      if (list[lo] !== rid) list.splice(lo, 0, rid);
    }
  }

  private unindex(id: string): void {
    const e = this.entries.get(id);
    const rid = this.keys.idOf(id);
    if (!e || rid < 0) return;
    for (const b of e.buckets) {
      const list = this.buckets.get(b);
      if (!list) continue;
      const i = list.indexOf(rid);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.buckets.delete(b);
    }
  }

  private put(id: string, e: Entry): void {
    this.unindex(id);
    this.entries.set(id, e);
    this.index(id, e);
  }

  updateRow(id: string, _diff: FeatureVector, row: () => FeatureVector): void {
    this.put(id, this.entryOf(row()).entry);
    this.diff.add(id);
    this.removed.delete(id);
  }

  removeRow(id: string): void {
    if (!this.entries.has(id)) return;
    this.unindex(id);
    this.entries.delete(id);
    this.diff.delete(id);
    if (this.master.has(id)) this.removed.add(id);
  }

  clear(): void {
    this.keys = new KeyManager();
    this.entries = new Map();
    this.master = new Set();
    this.diff = new Set();
    this.removed = new Set();
    this.buckets = new Map();
  }

  /** Adds the rows of bucket `b` to `cands`; true once there are `k`. */
  private gather(b: bigint, cands: Set<number>, k: number): boolean {
    const list = this.buckets.get(b);
    if (list) for (const r of list) cands.add(r);
    return cands.size >= k;
  }

  private rank(cands: Set<number>, bits: Uint32Array, norm: number, k: number): ScoredRow[] {
    const scored: ScoredRow[] = [];
    const B = this.allBits;
    for (const rid of cands) {
      const id = this.keys.keyOf(rid);
      const e = this.entries.get(id);
      if (!e) continue;
      let diff = 0;
      for (let w = 0; w < this.words; w++) diff += popcount((bits[w]! ^ e.bits[w]!) >>> 0);
      const same = B - diff;
      let dist: number;
      if (same === B) dist = Math.abs(norm - e.norm);
      else {
        const angle = (1 - same / B) * Math.PI;
        const dot = e.norm * norm * Math.cos(angle);
        dist = Math.sqrt(norm * norm + e.norm * e.norm - 2 * dot);
      }
      scored.push([id, -dist]);
    }
    scored.sort((a, b) => b[1] - a[1]);
    return scored.length > k ? scored.slice(0, k) : scored;
  }

  similar(fv: FeatureVector, k: number): ScoredRow[] {
    if (k <= 0) return [];
    const { entry, shifted, base } = this.entryOf(fv);
    const cands = new Set<number>();
    for (let t = 0; t < this.params.tableNum; t++) {
      if (this.gather(entry.buckets[t]!, cands, k)) return this.rank(cands, entry.bits, entry.norm, k);
    }
    const gen = new ProbeGenerator(shifted, base, this.params.tableNum, this.params.hashNum);
    gen.init();
    for (let i = 0; i < this.params.probeNum; i++) {
      const p = gen.next();
      const b = p ? this.tableKey(p.key, p.table) : hashInts([-1]);
      if (this.gather(b, cands, k)) break;
    }
    return this.rank(cands, entry.bits, entry.norm, k);
  }

  similarFromId(id: string, k: number): ScoredRow[] {
    const e = this.entries.get(id);
    if (!e) return [];
    const cands = new Set<number>();
    for (const b of e.buckets) if (this.gather(b, cands, k)) break;
    return this.rank(cands, e.bits, e.norm, k);
  }

  allRowIds(): string[] {
    return [...this.entries.keys()];
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

  pack(w: MsgWriter): void {
    w.arrayHeader(7);
    const masterIds = [...this.entries.keys()].filter((id) => this.master.has(id));
    w.mapHeader(masterIds.length);
    for (const id of masterIds) {
      w.str(id);
      this.writeEntry(w, this.entries.get(id)!);
    }
    const diffIds = [...this.entries.keys()].filter((id) => this.diff.has(id) || !this.master.has(id));
    w.mapHeader(diffIds.length + this.removed.size);
    for (const id of diffIds) {
      w.str(id);
      this.writeEntry(w, this.entries.get(id)!);
    }
    for (const id of this.removed) {
      w.str(id);
      this.writeEntry(w, null);
    }
    // Bucket lists as 1.1.1 keeps them: rows as of the last MIX in lsh_table, rows set since in
    // lsh_table_diff (ids ascending).
    const mixed = new Map<bigint, number[]>();
    const local = new Map<bigint, number[]>();
    for (const [id, e] of this.entries) {
      const into = this.master.has(id) && !this.diff.has(id) ? mixed : local;
      const rid = this.keys.idOf(id);
      for (const b of e.buckets) {
        let list = into.get(b);
        if (!list) into.set(b, (list = []));
        list.push(rid);
      }
    }
    for (const t of [mixed, local]) {
      w.mapHeader(t.size);
      for (const [b, list] of t) {
        w.int(b);
        list.sort((x, y) => x - y);
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
    const buckets = hashes.map((h) => {
      if (typeof h === 'bigint') return BigInt.asUintN(64, h);
      const n = expectNumber(h, `${what} hash`);
      return BigInt(n);
    });
    return { buckets, bits, norm: expectNumber(a[2]!, `${what} norm`) };
  }

  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'lsh_index_storage', 7);
    const keys = KeyManager.unpack(a[6]!, 'lsh_index_storage keys');
    const tableNum = expectNumber(a[5]!, 'lsh_index_storage table_num');
    if (tableNum !== this.params.tableNum) throw new MsgpackError(`lsh_index_storage: table_num ${tableNum} differs from the config's ${this.params.tableNum}`);
    const fresh = new EuclidLshRecommender(this.params, this.unlearner);
    fresh.keys = keys;
    for (const [k, ev] of expectMap(a[0]!, 'lsh_index_storage master').entries) {
      const id = expectString(k, 'lsh_index_storage row id');
      const e = fresh.readEntry(ev, 'lsh_index_storage master row');
      if (!e) continue;
      fresh.entries.set(id, e);
      fresh.master.add(id);
    }
    for (const [k, ev] of expectMap(a[1]!, 'lsh_index_storage diff').entries) {
      const id = expectString(k, 'lsh_index_storage row id');
      const e = fresh.readEntry(ev, 'lsh_index_storage diff row');
      if (!e) {
        if (fresh.entries.delete(id)) fresh.removed.add(id);
        continue;
      }
      fresh.entries.set(id, e);
      fresh.diff.add(id);
    }
    for (const [id, e] of fresh.entries) fresh.index(id, e);
    return () => {
      this.keys = fresh.keys;
      this.entries = fresh.entries;
      this.master = fresh.master;
      this.diff = fresh.diff;
      this.removed = fresh.removed;
      this.buckets = fresh.buckets;
    };
  }

  // ---- MIX ----

  private writeDiff(w: MsgWriter, d: EuclidDiff): void {
    w.mapHeader(d.size);
    for (const [id, e] of d) {
      w.str(id);
      this.writeEntry(w, e);
    }
  }

  linearPart(): LinearPart<EuclidDiff> {
    return {
      packDiff: (w) => {
        const d: EuclidDiff = new Map();
        for (const id of this.diff) d.set(id, this.entries.get(id) ?? null);
        for (const id of this.removed) d.set(id, null);
        this.writeDiff(w, d);
      },
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
      putDiff: (d) => {
        const u = this.unlearner();
        for (const [id, e] of d) {
          if (!e) {
            u?.remove(id);
            this.unindex(id);
            this.entries.delete(id);
            this.master.delete(id);
            continue;
          }
          if (u) {
            if (!u.canTouch(id)) continue;
            u.touch(id);
          }
          this.put(id, e);
          this.master.add(id);
        }
        this.removed = new Set([...this.removed].filter((id) => !(d.has(id) && d.get(id) === null)));
        this.diff = new Set();
        return true;
      },
    };
  }

  status(): Record<string, string> {
    return {};
  }
}
