/**
 * The recommender's copy of every row as it was given (1.1.1's `sparse_matrix_storage orig_`,
 * engine spec §8.1): feature keys interned once for the whole table (first-seen ids), each row
 * a sorted run of (feature id, value). update_row merges into it; decode_row, complete_row, the
 * *_from_id queries and the signatures of the LSH methods read rows back in feature-id order,
 * which is the order 1.1.1 iterates them in.
 *
 * Model-file form `[{row: {feature id: value}}, [key2id, id2key, next_id]]`.
 */
import { MsgpackError, expectArray, expectMap, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { KeyManager } from '../common/key-manager.js';
import type { FeatureVector } from '../datum.js';

/** One stored row: feature ids ascending, values alongside. */
interface Row {
  cols: Int32Array;
  vals: Float64Array;
}

const EMPTY: FeatureVector = { keys: [], values: [] };

export class OrigStorage {
  columns = new KeyManager();
  private rows = new Map<string, Row>();

  get size(): number {
    return this.rows.size;
  }

  has(id: string): boolean {
    return this.rows.has(id);
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
    const old = this.rows.get(id);
    if (!old) {
      this.rows.set(id, { cols: Int32Array.from(incCols), vals: Float64Array.from(incVals) });
      return;
    }
    const cols = new Int32Array(old.cols.length + incCols.length);
    const vals = new Float64Array(cols.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.cols.length || j < incCols.length) {
      const a = i < old.cols.length ? old.cols[i]! : Infinity;
      const b = j < incCols.length ? incCols[j]! : Infinity;
      if (b <= a) {
        cols[k] = b;
        vals[k++] = incVals[j++]!;
        if (a === b) i++;
      } else {
        cols[k] = a;
        vals[k++] = old.vals[i++]!;
      }
    }
    this.rows.set(id, { cols: cols.slice(0, k), vals: vals.slice(0, k) });
  }

  /** Row `id` in feature-id order; empty when unknown. */
  getRow(id: string): FeatureVector {
    const r = this.rows.get(id);
    if (!r) return EMPTY;
    const keys = new Array<string>(r.cols.length);
    for (let i = 0; i < r.cols.length; i++) keys[i] = this.columns.keyOf(r.cols[i]!);
    return { keys, values: Array.from(r.vals) };
  }

  removeRow(id: string): boolean {
    return this.rows.delete(id);
  }

  clear(): void {
    this.rows = new Map();
    this.columns = new KeyManager();
  }

  rowIds(): IterableIterator<string> {
    return this.rows.keys();
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(2);
    w.mapHeader(this.rows.size);
    for (const [id, r] of this.rows) {
      w.str(id);
      w.mapHeader(r.cols.length);
      for (let i = 0; i < r.cols.length; i++) {
        w.int(r.cols[i]!);
        w.float64(r.vals[i]!);
      }
    }
    this.columns.pack(w);
  }

  /** Decodes and checks a packed storage; the returned function installs it. */
  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'recommender orig', 2);
    const columns = KeyManager.unpack(a[1]!, 'recommender orig columns');
    const rows = new Map<string, Row>();
    for (const [k, rv] of expectMap(a[0]!, 'recommender orig rows').entries) {
      const id = expectString(k, 'recommender orig row id');
      const entries = expectMap(rv, `recommender orig row ${id}`).entries;
      const pairs: Array<[number, number]> = entries.map(([c, x]) => {
        const col = expectNumber(c, 'recommender orig column');
        if (!Number.isInteger(col) || !columns.hasId(col)) throw new MsgpackError(`recommender orig: row ${id} has unknown column ${col}`);
        return [col, expectNumber(x, 'recommender orig value')];
      });
      pairs.sort((p, q) => p[0] - q[0]);
      rows.set(id, { cols: Int32Array.from(pairs, (p) => p[0]), vals: Float64Array.from(pairs, (p) => p[1]) });
    }
    return () => {
      this.columns = columns;
      this.rows = rows;
    };
  }
}
