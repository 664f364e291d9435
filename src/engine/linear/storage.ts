/**
 * The linear-model storage of the classifier and regression (engine spec §5.3): feature →
 * label id → val3 (v1 = weight, v2 = covariance, v3 unused), labels interned by a key manager.
 * A standalone 1.1.1 server uses `local_storage` (writes go straight to `tbl`); a distributed
 * one `local_storage_mixture` (writes go to `tbl_diff`, reads add both, MIX folds the diffs and
 * adds the result to `tbl`). Both pack as `[tbl, key_manager, tbl_diff, [version]]`.
 */
import { expectArray, expectMap, expectNumber, expectString, MsgpackError, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { readCount, readVersion, writeVersion } from '../common/version.js';
import { FeatureTable, type Row } from './feature-table.js';
import { KeyManager } from '../common/key-manager.js';
import { OrderedKeys } from '../common/small-order.js';

export class LinearStorage {
  tbl = new FeatureTable();
  diff = new FeatureTable();
  keys = new KeyManager({ hashOrder: true });
  version = 0;
  /** Per-label-id sums of the last `inp`, reused between calls. */
  private acc = new Float64Array(16);
  private orderGeneration = -1;
  private order: number[] = [];

  constructor(readonly mixture: boolean) {}

  get type(): string {
    return this.mixture ? 'local_storage_mixture' : 'local_storage';
  }

  /**
   * Scores of every known label for `fv` (C++ `inp`): `labelOrder()` gives the ids in the
   * order 1.1.1 lists them, `scoreOf(id)` each sum (0 for a label without weights).
   */
  inp(keys: readonly string[], values: readonly number[]): void {
    if (this.acc.length < this.keys.nextId) this.acc = new Float64Array(Math.max(this.keys.nextId, this.acc.length * 2));
    const acc = this.acc;
    for (const id of this.keys.ids()) acc[id] = 0;
    for (let i = 0; i < keys.length; i++) {
      const x = values[i]!;
      const t = this.tbl.get(keys[i]!);
      if (!this.mixture) {
        if (t !== undefined) addRow(acc, t, x);
        continue;
      }
      const d = this.diff.get(keys[i]!);
      if (d === undefined) {
        if (t !== undefined) addRow(acc, t, x);
      } else if (t === undefined) {
        addRow(acc, d, x);
      } else {
        // The merged weight (tbl + diff) is formed first, then scaled, as C++ does.
        addMerged(acc, t, d, x);
      }
    }
  }

  scoreOf(id: number): number {
    return this.acc[id]!;
  }

  /**
   * Label ids in the order of 1.1.1's score map: a fresh `unordered_map<string, double>` filled
   * in `id2key` order. Cached until the label set changes.
   */
  labelOrder(): readonly number[] {
    if (this.orderGeneration !== this.keys.generation) {
      const names = new OrderedKeys<string>();
      const idOf = new Map<string, number>();
      for (const id of this.keys.ids()) {
        const name = this.keys.keyOf(id);
        idOf.set(name, id);
        names.insert(name);
      }
      this.order = names.keys.map((n) => idOf.get(n)!);
      this.orderGeneration = this.keys.generation;
    }
    return this.order;
  }

  /**
   * C++ `get2` for two labels: `out` = [v1, v2] of `posId` then of `negId`, (0, 1) where the
   * feature has no entry for it (the algorithms' default).
   */
  get2(feature: string, posId: number, negId: number, out: Float64Array): void {
    out[0] = 0;
    out[1] = 1;
    out[2] = 0;
    out[3] = 1;
    const t = this.tbl.get(feature);
    const d = this.mixture ? this.diff.get(feature) : undefined;
    if (t === undefined && d === undefined) return;
    readInto(t, d, posId, out, 0);
    if (negId !== posId) readInto(t, d, negId, out, 2);
  }

  /**
   * The covariance (v2) of the feature's first entry, else `fallback` (regression's
   * `calc_variance`). Regression rows hold the one label "+", so "first" is never ambiguous.
   */
  firstCovariance(feature: string, fallback: number): number {
    const t = this.tbl.get(feature);
    const d = this.mixture ? this.diff.get(feature) : undefined;
    if (d === undefined || d.size === 0) return t !== undefined && t.size > 0 ? t.vals[1]! : fallback;
    if (t === undefined || t.size === 0) return d.vals[1]!;
    // The merged row starts as a copy of tbl's, so its first entry is tbl's first one.
    const i = d.indexOf(t.ids[0]!);
    return i < 0 ? t.vals[1]! : t.vals[1]! + d.vals[3 * i + 1]!;
  }

  /** C++ `set2`: the feature's (weight, covariance) for label `id` becomes (w1, w2). */
  set2(feature: string, id: number, w1: number, w2: number): void {
    const t = this.tbl.row(feature);
    const ti = t.slot(id);
    if (!this.mixture) {
      t.vals[3 * ti] = w1;
      t.vals[3 * ti + 1] = w2;
      return;
    }
    const t1 = t.vals[3 * ti]!;
    const t2 = t.vals[3 * ti + 1]!;
    const d = this.diff.row(feature);
    const di = d.slot(id);
    d.vals[3 * di] = w1 - t1;
    d.vals[3 * di + 1] = w2 - t2;
  }

  /** C++ `bulk_update`: w[inc] += x·step, w[dec] −= x·step (no dec when it is ""). */
  bulkUpdate(keys: readonly string[], values: readonly number[], step: number, inc: string, dec: string): void {
    const incId = this.keys.getId(inc);
    const decId = dec !== '' ? this.keys.getId(dec) : -1;
    const table = this.mixture ? this.diff : this.tbl;
    for (let i = 0; i < keys.length; i++) {
      const val = values[i]! * step;
      const row = table.row(keys[i]!);
      const a = row.slot(incId);
      row.vals[3 * a] += val;
      if (decId >= 0) {
        const b = row.slot(decId);
        row.vals[3 * b] -= val;
      }
    }
  }

  /** delete_label: false when unknown. local_storage keeps a row that was already empty. */
  deleteLabel(label: string): boolean {
    const id = this.keys.idOf(label);
    if (id < 0) return false;
    dropLabel(this.tbl, id, this.mixture);
    if (this.mixture) dropLabel(this.diff, id, true);
    this.keys.deleteKey(label);
    return true;
  }

  /** clear: fresh tables and key manager; the version stays. */
  clear(): void {
    this.tbl = new FeatureTable();
    this.keys = new KeyManager({ hashOrder: true });
    if (this.mixture) this.diff = new FeatureTable();
  }

  status(): Record<string, string> {
    const s: Record<string, string> = { num_features: String(this.tbl.size), num_classes: String(this.keys.size) };
    if (this.mixture) {
      s.num_features_diff = String(this.diff.size);
      s.model_version = String(this.version);
    }
    s.storage = this.type;
    return s;
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(4);
    writeTable(w, this.tbl);
    this.keys.pack(w);
    writeTable(w, this.diff);
    writeVersion(w, this.version);
  }

  /** Checks a packed storage; the returned function installs it. */
  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'linear storage', 4);
    const tbl = readTable(a[0]!, 'linear storage tbl');
    const keys = KeyManager.unpack(a[1]!, 'key_manager', { hashOrder: true });
    const diff = readTable(a[2]!, 'linear storage tbl_diff');
    const version = readVersion(a[3]!);
    return () => {
      this.tbl = tbl;
      this.keys = keys;
      this.diff = diff;
      this.version = version;
    };
  }
}

function addRow(acc: Float64Array, r: Row, x: number): void {
  const ids = r.ids;
  const vals = r.vals;
  for (let j = 0; j < ids.length; j++) acc[ids[j]!] += vals[3 * j]! * x;
}

function addMerged(acc: Float64Array, t: Row, d: Row, x: number): void {
  for (let j = 0; j < t.ids.length; j++) {
    const id = t.ids[j]!;
    const k = d.indexOf(id);
    acc[id] += (k < 0 ? t.vals[3 * j]! : t.vals[3 * j]! + d.vals[3 * k]!) * x;
  }
  for (let k = 0; k < d.ids.length; k++) {
    if (t.indexOf(d.ids[k]!) < 0) acc[d.ids[k]!] += d.vals[3 * k]! * x;
  }
}

function readInto(t: Row | undefined, d: Row | undefined, id: number, out: Float64Array, at: number): void {
  if (id < 0) return;
  const ti = t ? t.indexOf(id) : -1;
  const di = d ? d.indexOf(id) : -1;
  if (ti < 0 && di < 0) return;
  let v1 = 0;
  let v2 = 0;
  if (ti >= 0) {
    v1 = t!.vals[3 * ti]!;
    v2 = t!.vals[3 * ti + 1]!;
  }
  if (di >= 0) {
    v1 += d!.vals[3 * di]!;
    v2 += d!.vals[3 * di + 1]!;
  }
  out[at] = v1;
  out[at + 1] = v2;
}

/** Erases label `id` from every row; `dropEmpty`: also rows that were empty already (mixture). */
function dropLabel(table: FeatureTable, id: number, dropEmpty: boolean): void {
  for (let r = table.first(); r; ) {
    const next: Row | null = r.next;
    const erased = r.erase(id);
    if (r.size === 0 && (erased || dropEmpty)) table.erase(r);
    r = next;
  }
}

function writeTable(w: MsgWriter, t: FeatureTable): void {
  w.mapHeader(t.size);
  for (let r = t.first(); r; r = r.next) {
    w.str(r.key);
    w.mapHeader(r.size);
    for (let j = 0; j < r.ids.length; j++) {
      w.int(r.ids[j]!);
      w.arrayHeader(3);
      w.float64(r.vals[3 * j]!);
      w.float64(r.vals[3 * j + 1]!);
      w.float64(r.vals[3 * j + 2]!);
    }
  }
}

/** A table read in file order, as msgpack-c inserts the entries. */
function readTable(v: MsgValue, what: string): FeatureTable {
  const t = new FeatureTable();
  for (const [k, rv] of expectMap(v, what).entries) {
    const key = expectString(k, `${what} feature`);
    if (t.get(key)) throw new MsgpackError(`${what}: feature ${key} twice`);
    const row = t.row(key);
    for (const [idv, val] of expectMap(rv, `${what} row`).entries) {
      const id = readCount(idv, `${what} label id`);
      if (row.indexOf(id) >= 0) throw new MsgpackError(`${what}: label id ${id} twice in ${key}`);
      const v3 = expectArray(val, `${what} value`, 3);
      row.put(id, expectNumber(v3[0]!, `${what} v1`), expectNumber(v3[1]!, `${what} v2`), expectNumber(v3[2]!, `${what} v3`));
    }
  }
  return t;
}
