/**
 * The recommender's copy of every row as it was given (1.1.1's `sparse_matrix_storage orig_`,
 * engine spec §8.1): feature keys interned once for the whole table (first-seen ids), each row
 * a sorted run of (feature id, value). update_row merges into it; decode_row, complete_row, the
 * *_from_id queries and the signatures of the LSH methods read rows back in feature-id order,
 * which is the order 1.1.1 iterates them in.
 *
 * Storage is column-wise, with no object per row: a row is a slot (id → slot in one Map) whose
 * run sits in two shared arenas (feature ids, values) at `start[slot]` for `len[slot]` entries.
 * A merge that grows a row appends its new run at the arena's end; the arena is compacted once
 * half of it is stale.
 *
 * Model-file form `[{row: {feature id: value}}, [key2id, id2key, next_id]]`.
 */
import { MsgpackError, expectArray, expectMap, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { KeyManager } from '../common/key-manager.js';
import type { FeatureVector } from '../datum.js';

export class OrigStorage {
  columns = new KeyManager();
  private slots = new Map<string, number>();
  private ids: string[] = [];
  private start = new Int32Array(64);
  private len = new Int32Array(64);
  private cols = new Int32Array(1024);
  private vals = new Float64Array(1024);
  private used = 0;
  private stale = 0;

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  /** Room for `n` more arena entries (compacting first when half the arena is stale). */
  private reserve(n: number): void {
    if (this.stale > 1024 && this.stale * 2 > this.used) this.compact();
    if (this.used + n <= this.cols.length) return;
    let cap = this.cols.length;
    while (cap < this.used + n) cap *= 2;
    const cols = new Int32Array(cap);
    cols.set(this.cols.subarray(0, this.used));
    const vals = new Float64Array(cap);
    vals.set(this.vals.subarray(0, this.used));
    this.cols = cols;
    this.vals = vals;
  }

  private compact(): void {
    const cols = new Int32Array(this.cols.length);
    const vals = new Float64Array(this.vals.length);
    let at = 0;
    for (let s = 0; s < this.ids.length; s++) {
      const from = this.start[s]!;
      const n = this.len[s]!;
      cols.set(this.cols.subarray(from, from + n), at);
      vals.set(this.vals.subarray(from, from + n), at);
      this.start[s] = at;
      at += n;
    }
    this.cols = cols;
    this.vals = vals;
    this.used = at;
    this.stale = 0;
  }

  private newSlot(id: string): number {
    const s = this.ids.length;
    if (s >= this.start.length) {
      const start = new Int32Array(this.start.length * 2);
      start.set(this.start);
      const len = new Int32Array(this.len.length * 2);
      len.set(this.len);
      this.start = start;
      this.len = len;
    }
    this.ids.push(id);
    this.slots.set(id, s);
    this.start[s] = this.used;
    this.len[s] = 0;
    return s;
  }

  /** Merges `fv` into row `id`: a key present replaces the stored value, new keys are added. */
  setRow(id: string, fv: FeatureVector): void {
    const n = fv.keys.length;
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = this.columns.getId(fv.keys[i]!);
    // By column id; a key given twice keeps its later value, as sequential assignment does.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ids[a]! - ids[b]! || a - b);
    const incCols: number[] = [];
    const incVals: number[] = [];
    for (const i of order) {
      const last = incCols.length - 1;
      if (last >= 0 && incCols[last] === ids[i]) incVals[last] = fv.values[i]!;
      else {
        incCols.push(ids[i]!);
        incVals.push(fv.values[i]!);
      }
    }
    let s = this.slots.get(id);
    if (s === undefined) s = this.newSlot(id);
    const oldLen = this.len[s]!;
    // The merged run is written at the arena's end, then moved back when it fits the old place.
    this.reserve(oldLen + incCols.length);
    const from = this.start[s]!;
    const at = this.used;
    let i = 0;
    let j = 0;
    let k = at;
    while (i < oldLen || j < incCols.length) {
      const a = i < oldLen ? this.cols[from + i]! : Infinity;
      const b = j < incCols.length ? incCols[j]! : Infinity;
      if (b <= a) {
        this.cols[k] = b;
        this.vals[k++] = incVals[j++]!;
        if (a === b) i++;
      } else {
        this.cols[k] = a;
        this.vals[k++] = this.vals[from + i++]!;
      }
    }
    const merged = k - at;
    if (merged === oldLen) {
      this.cols.copyWithin(from, at, k);
      this.vals.copyWithin(from, at, k);
    } else {
      this.start[s] = at;
      this.len[s] = merged;
      this.used = k;
      this.stale += oldLen;
    }
  }

  /** Row `id` in feature-id order; empty when unknown. */
  getRow(id: string): FeatureVector {
    const s = this.slots.get(id);
    if (s === undefined) return { keys: [], values: [] };
    const from = this.start[s]!;
    const n = this.len[s]!;
    const keys = new Array<string>(n);
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      keys[i] = this.columns.keyOf(this.cols[from + i]!);
      values[i] = this.vals[from + i]!;
    }
    return { keys, values };
  }

  removeRow(id: string): boolean {
    const s = this.slots.get(id);
    if (s === undefined) return false;
    this.stale += this.len[s]!;
    const last = this.ids.length - 1;
    if (s !== last) {
      const moved = this.ids[last]!;
      this.ids[s] = moved;
      this.slots.set(moved, s);
      this.start[s] = this.start[last]!;
      this.len[s] = this.len[last]!;
    }
    this.ids.pop();
    this.slots.delete(id);
    return true;
  }

  clear(): void {
    this.columns = new KeyManager();
    this.slots = new Map();
    this.ids = [];
    this.start = new Int32Array(64);
    this.len = new Int32Array(64);
    this.cols = new Int32Array(1024);
    this.vals = new Float64Array(1024);
    this.used = 0;
    this.stale = 0;
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(2);
    w.mapHeader(this.ids.length);
    for (let s = 0; s < this.ids.length; s++) {
      w.str(this.ids[s]!);
      const from = this.start[s]!;
      const n = this.len[s]!;
      w.mapHeader(n);
      for (let i = from; i < from + n; i++) {
        w.int(this.cols[i]!);
        w.float64(this.vals[i]!);
      }
    }
    this.columns.pack(w);
  }

  /** Decodes and checks a packed storage; the returned function installs it. */
  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'recommender orig', 2);
    const columns = KeyManager.unpack(a[1]!, 'recommender orig columns');
    const fresh = new OrigStorage();
    for (const [k, rv] of expectMap(a[0]!, 'recommender orig rows').entries) {
      const id = expectString(k, 'recommender orig row id');
      if (fresh.slots.has(id)) throw new MsgpackError(`recommender orig: row ${id} appears twice`);
      const entries = expectMap(rv, `recommender orig row ${id}`).entries;
      const pairs: Array<[number, number]> = entries.map(([c, x]) => {
        const col = expectNumber(c, 'recommender orig column');
        if (!Number.isInteger(col) || !columns.hasId(col)) throw new MsgpackError(`recommender orig: row ${id} has unknown column ${col}`);
        return [col, expectNumber(x, 'recommender orig value')];
      });
      pairs.sort((p, q) => p[0] - q[0]);
      const s = fresh.newSlot(id);
      fresh.reserve(pairs.length);
      for (const [col, x] of pairs) {
        fresh.cols[fresh.used] = col;
        fresh.vals[fresh.used++] = x;
      }
      fresh.len[s] = pairs.length;
    }
    return () => {
      this.columns = columns;
      this.slots = fresh.slots;
      this.ids = fresh.ids;
      this.start = fresh.start;
      this.len = fresh.len;
      this.cols = fresh.cols;
      this.vals = fresh.vals;
      this.used = fresh.used;
      this.stale = 0;
    };
  }
}
