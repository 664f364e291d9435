/**
 * lof (engine spec §9; 1.1.1's anomaly/lof + lof_storage): LOF over a recommender method
 * (lof-recommender.ts). Points live in the recommender, which merges updates; each point's
 * k-distance and LRD in lof_storage: a master table (agreed through MIX) and a diff table (local
 * changes since the last MIX; a k-distance of −1 marks a removed row until the next MIX).
 *
 * Unlike light_lof, an LRD adds 1e−15 to the reachability sum (never +∞ from a stored row),
 * an id query keeps k+1 neighbours when itself is not among them, and `add` merges.
 * Model `[unlearner?, lof_storage, recommender]` with lof_storage
 * `[master map, diff map, k, reverse_k, ignore_kth_same_point]` (entries `id → [kdist, lrd]`);
 * MIX parts `[lof_storage diff, recommender]`, the engine adds the weight manager.
 */
import { MsgMap, MsgpackError, expectArray, expectMap, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { createUnlearner, type Unlearner, type UnlearnerConfig } from '../common/unlearner.js';
import type { FeatureVector } from '../datum.js';
import type { LinearPart } from '../mixable.js';
import type { LofParams } from './config.js';
import { UnsupportedMethodError, dropSelf, lofScore, type AnomalyDriver, type Row } from './driver.js';
import { HashOrderMap, HashOrderSet } from '../common/hash-order.js';
import type { LofRecommender, Neighbor } from './lof-recommender.js';

export interface LofEntry {
  kdist: number;
  lrd: number;
}

/** An `unordered_map<string, lof_entry>`, iterated in libstdc++'s order (model file, MIX diff). */
export type LofTable = HashOrderMap<LofEntry>;

const isRemoved = (e: LofEntry): boolean => e.kdist < 0;

/** Marks `id` removed in `t` (kept until the next MIX so the removal travels). */
function markRemoved(t: LofTable, id: string): void {
  const e = t.get(id);
  if (e) e.kdist = -1;
  else t.set(id, { kdist: -1, lrd: 0 });
}

/** common::merge_vector: each key of `diff` overwrites the first same key of `base`, or is appended. */
export function mergeVector(base: FeatureVector, diff: FeatureVector): FeatureVector {
  const keys = base.keys.slice();
  const values = base.values.slice();
  for (let i = 0; i < diff.keys.length; i++) {
    const at = keys.indexOf(diff.keys[i]!);
    if (at >= 0) values[at] = diff.values[i]!;
    else {
      keys.push(diff.keys[i]!);
      values.push(diff.values[i]!);
    }
  }
  return { keys, values };
}

/** 1.1.1's lof_storage: the k-distance/LRD tables and their updates, over a recommender. */
export class LofStorage {
  master: LofTable = new HashOrderMap();
  diff: LofTable = new HashOrderMap();
  ignored = 0;

  constructor(
    public params: LofParams,
    readonly nn: LofRecommender,
  ) {}

  private entry(id: string): LofEntry {
    const d = this.diff.get(id);
    if (d) {
      if (isRemoved(d)) throw new Error(`specified row is recently removed: ${id}`);
      return d;
    }
    const m = this.master.get(id);
    if (!m) throw new Error(`specified row does not exist: ${id}`);
    return m;
  }

  kdist(id: string): number {
    return this.entry(id).kdist;
  }

  lrd(id: string): number {
    return this.entry(id).lrd;
  }

  /** The diff entry of `id`, created (zeros) when absent, as C++ `operator[]` does. */
  private diffEntry(id: string): LofEntry {
    let e = this.diff.get(id);
    if (!e) {
      e = { kdist: 0, lrd: 0 };
      this.diff.set(id, e);
    }
    return e;
  }

  /**
   * The query's LRD (+∞ when no neighbour or all at reach 0); fills the neighbours' LRDs in the
   * order 1.1.1's LOF sums them (its map of them by id).
   */
  private lrdOf(near: readonly Neighbor[], lrds: number[]): number {
    if (near.length === 0) return Infinity;
    const byId = new HashOrderMap<number>();
    for (const [id] of near) byId.set(id, this.lrd(id));
    for (const [, lrd] of byId) lrds.push(lrd);
    let sum = 0;
    for (const [id, d] of near) sum += Math.max(d, this.kdist(id));
    return sum === 0 ? Infinity : near.length / sum;
  }

  scoreOfFv(fv: FeatureVector): number {
    const lrds: number[] = [];
    const lrd = this.lrdOf(this.nn.neighborRowFromFv(fv, this.params.k), lrds);
    return lofScore(lrd, lrds);
  }

  scoreOfId(id: string): number {
    const near = dropSelf(this.nn.neighborRowFromId(id, this.params.k + 1), id);
    const lrds: number[] = [];
    const lrd = this.lrdOf(near, lrds);
    return lofScore(lrd, lrds);
  }

  scoreOfIdWith(id: string, fv: FeatureVector): number {
    return this.scoreOfFv(mergeVector(this.nn.decodeRow(id), fv));
  }

  removeRow(id: string): void {
    markRemoved(this.diff, id);
    this.nn.clearRow(id);
  }

  clear(): void {
    this.master = new HashOrderMap();
    this.diff = new HashOrderMap();
    this.nn.clear();
    this.ignored = 0;
  }

  private collectNeighbors(id: string, into: HashOrderSet): void {
    for (const [n] of this.nn.neighborRowFromId(id, this.params.reverseK)) into.add(n);
  }

  /**
   * Merges `fv` into row `id` and collects the rows to re-score into `update` (its reverse
   * neighbours before and after, and itself); false when ignore_kth_same_point rejects it.
   */
  updateRowInto(id: string, fv: FeatureVector, update: HashOrderSet): boolean {
    const { k, ignoreKthSamePoint } = this.params;
    if (ignoreKthSamePoint) {
      const merged = mergeVector(this.nn.decodeRow(id), fv);
      const near = this.nn.neighborRowFromFv(merged, k - 1);
      if (near.length === k - 1 && near[near.length - 1]![1] === 0) {
        this.ignored++;
        return false;
      }
    }
    if (this.nn.decodeRow(id).keys.length > 0) this.collectNeighbors(id, update);
    this.nn.updateRow(id, fv);
    this.collectNeighbors(id, update);
    update.add(id);
    return true;
  }

  updateRow(id: string, fv: FeatureVector): boolean {
    const update = new HashOrderSet();
    if (!this.updateRowInto(id, fv, update)) return false;
    this.updateEntries(update.keys());
    return true;
  }

  /**
   * Re-scores `rows`: every k-distance from its k nearest first, then every LRD (in the order of
   * 1.1.1's map of their neighbours, which is the order their diff entries appear in).
   */
  updateEntries(rows: readonly string[]): void {
    const k = this.params.k;
    const neighbors = new HashOrderMap<Neighbor[]>();
    for (const id of rows) neighbors.set(id, this.nn.neighborRowFromId(id, k));
    for (const [id, near] of neighbors) {
      if (near.length > 0) this.diffEntry(id).kdist = near[near.length - 1]![1];
    }
    for (const [id, near] of neighbors) {
      if (near.length === 0) {
        this.diffEntry(id).lrd = 1;
        continue;
      }
      const length = Math.min(near.length, k);
      let sum = 0;
      for (let i = 0; i < length; i++) sum += Math.max(near[i]![1], this.kdist(near[i]![0]));
      // 1.1.1 adds 1e-15 so that rounding never makes an LRD (and its neighbours' LOF) infinite.
      this.diffEntry(id).lrd = length / (sum + 1e-15);
    }
  }

  status(): Record<string, string> {
    return {
      num_id_master: String(this.master.size),
      num_id_diff: String(this.diff.size),
      ...(this.params.ignoreKthSamePoint ? { num_ignored: String(this.ignored) } : {}),
    };
  }

  /** `[master, diff, k, reverse_k, ignore_kth_same_point]`. */
  pack(w: MsgWriter): void {
    w.arrayHeader(5);
    writeLofTable(w, this.master);
    writeLofTable(w, this.diff);
    w.int(this.params.k);
    w.int(this.params.reverseK);
    w.bool(this.params.ignoreKthSamePoint);
  }

  /** Checks a packed lof_storage; the function installs it (its k, reverse k and flag included, as 1.1.1 does). */
  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'lof_storage', 5);
    const master = readLofTable(a[0]!, 'lof_storage master');
    const diff = readLofTable(a[1]!, 'lof_storage diff');
    const k = expectNumber(a[2]!, 'lof_storage neighbor_num');
    const reverseK = expectNumber(a[3]!, 'lof_storage reverse_nn_num');
    if (typeof a[4] !== 'boolean') throw new MsgpackError('lof_storage ignore_kth_same_point: expected a boolean');
    const ignoreKthSamePoint = a[4];
    return () => {
      this.master = master;
      this.diff = diff;
      this.params = { k, reverseK, ignoreKthSamePoint };
      this.ignored = 0;
    };
  }

  /** put_diff: removals erase, other entries land in the master; local removals not yet known stay in the diff. */
  putDiff(mixed: LofTable, unlearner?: Unlearner): boolean {
    for (const [id, e] of mixed) {
      if (isRemoved(e)) {
        unlearner?.remove(id);
        this.master.delete(id);
      } else {
        if (unlearner) {
          if (!unlearner.canTouch(id)) continue;
          unlearner.touch(id);
        }
        this.master.set(id, { kdist: e.kdist, lrd: e.lrd });
      }
    }
    const stillRemoved: string[] = [];
    for (const [id, e] of this.diff) {
      const m = mixed.get(id);
      if (isRemoved(e) && (!m || !isRemoved(m))) stillRemoved.push(id);
    }
    this.diff.clear();
    for (const id of stillRemoved) markRemoved(this.diff, id);
    return true;
  }
}

/** lof_storage::mix: `incoming`'s removals mark `acc`, its other entries are added when `acc` lacks them. */
export function mixLofTables(acc: LofTable, incoming: LofTable): LofTable {
  for (const [id, e] of incoming) {
    if (isRemoved(e)) markRemoved(acc, id);
    else if (!acc.has(id)) acc.set(id, { kdist: e.kdist, lrd: e.lrd });
  }
  return acc;
}

export function writeLofTable(w: MsgWriter, t: LofTable): void {
  w.mapHeader(t.size);
  for (const [id, e] of t) {
    w.str(id);
    w.arrayHeader(2);
    w.float64(e.kdist);
    w.float64(e.lrd);
  }
}

export function readLofTable(v: MsgValue, what: string): LofTable {
  const m: MsgMap = expectMap(v, what);
  return HashOrderMap.from(m.entries.map(([k, ev]): [string, LofEntry] => {
    const e = expectArray(ev, `${what} entry`, 2);
    return [expectString(k, `${what} key`), { kdist: expectNumber(e[0]!, `${what} kdist`), lrd: expectNumber(e[1]!, `${what} lrd`) }];
  }));
}

export class Lof implements AnomalyDriver {
  readonly type = 'lof';
  readonly updatable = true;
  readonly storage: LofStorage;
  readonly unlearner?: Unlearner;

  constructor(
    lof: LofParams,
    readonly nn: LofRecommender,
    unlearner?: UnlearnerConfig,
  ) {
    this.storage = new LofStorage(lof, nn);
    if (unlearner) this.unlearner = createUnlearner(unlearner, (id) => this.storage.removeRow(id));
  }

  scoreOfFv(fv: FeatureVector): number {
    return this.storage.scoreOfFv(fv);
  }

  scoreOfId(id: string): number {
    return this.storage.scoreOfId(id);
  }

  scoreOfIdWith(id: string, fv: FeatureVector): number {
    return this.storage.scoreOfIdWith(id, fv);
  }

  clear(): void {
    this.storage.clear();
    this.unlearner?.clear();
  }

  clearRow(id: string): void {
    this.storage.removeRow(id);
    this.unlearner?.remove(id);
  }

  updateRow(id: string, fv: FeatureVector): boolean {
    if (this.unlearner && !this.unlearner.canTouch(id)) {
      throw new Error(`cannot add new row as number of sticky rows reached the maximum size of unlearner: ${id}`);
    }
    const updated = this.storage.updateRow(id, fv);
    if (updated) this.unlearner?.touch(id);
    return updated;
  }

  updateBulk(rows: readonly Row[]): string[] {
    const update = new HashOrderSet();
    const ids: string[] = [];
    for (const [id, fv] of rows) {
      if (this.unlearner && !this.unlearner.canTouch(id)) continue;
      if (!this.storage.updateRowInto(id, fv, update)) continue;
      this.unlearner?.touch(id);
      ids.push(id);
      update.add(id);
    }
    this.storage.updateEntries(update.keys());
    return ids;
  }

  /** overwrite: the row is removed, then written afresh. */
  setRow(id: string, fv: FeatureVector): boolean {
    this.storage.removeRow(id);
    return this.updateRow(id, fv);
  }

  setBulk(): string[] {
    throw new UnsupportedMethodError('set_bulk');
  }

  allRows(): string[] {
    return this.nn.allRows();
  }

  status(): Record<string, string> {
    return { ...this.storage.status(), ...this.unlearner?.status() };
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(this.unlearner ? 3 : 2);
    this.unlearner?.pack(w);
    this.storage.pack(w);
    this.nn.pack(w);
  }

  unpack(v: MsgValue): () => void {
    const u = this.unlearner;
    const parts = expectArray(v, 'lof model', u ? 3 : 2);
    const at = u ? 1 : 0;
    const installUnlearner = u?.unpack(parts[0]!);
    const installStorage = this.storage.unpack(parts[at]!);
    const installNn = this.nn.unpack(parts[at + 1]!);
    return () => {
      installUnlearner?.();
      installStorage();
      installNn();
    };
  }

  linearParts(): LinearPart<unknown>[] {
    const storage: LinearPart<LofTable> = {
      packDiff: (w) => writeLofTable(w, this.storage.diff),
      unpackDiff: (v) => readLofTable(v, 'lof_storage diff'),
      mixDiff: (acc, incoming) => mixLofTables(acc, incoming),
      writeDiff: (w, d) => writeLofTable(w, d),
      putDiff: (d) => this.storage.putDiff(d, this.unlearner),
    };
    return [storage, this.nn.linearPart()];
  }

  pushParts(): undefined {
    return undefined;
  }
}
