/**
 * 1.1.1's versioned column table with double columns (core storage/column_table under
 * framework/mixable_versioned_table), as the NN and inverted-index regressions keep their
 * target values (one column) and light_lof its k-distance and LRD (two columns). Rows in
 * insertion order, a version (owner, clock) per row, the table clock bumped on every write,
 * deletion by moving the last row into the hole; MIXed like the nearest_neighbor table (engine
 * spec §4.7): rows newer than the version clock, folded by concatenation, upserted by clock.
 *
 * Model-file form `[keys, tuples, versions, [[[9, 0], column…]…], clock, index]`; a diff row is
 * `[id, [[owner], clock], [value…]]`, and get_diff wraps the rows array once more as raw.
 */
import {
  MsgReader, MsgpackError, expectArray, expectBytes, expectMap, expectNumber, expectString, type MsgValue,
} from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import type { LinearPart } from '../mixable.js';
import type { PushPart } from '../push-parts.js';
import { readVersionClock, writeVersionClock } from '../nearest_neighbor/row-diff.js';

const DOUBLE_TYPE = 9;

/** A row of a MIX diff, decoded: `values` holds one number per column. */
export interface DoubleRow {
  id: string;
  owner: string;
  clock: number;
  values: number[];
}

function expectUint(v: MsgValue, what: string): number {
  const n = expectNumber(v, what);
  if (!Number.isInteger(n) || n < 0) throw new MsgpackError(`${what}: expected an unsigned integer`);
  return n;
}

export class DoubleTable {
  ids: string[] = [];
  /** One array per column, by row. */
  cols: number[][];
  owners: string[] = [];
  clocks: number[] = [];
  /** Table clock: the next local write's version clock. */
  clock = 0;
  private index = new Map<string, number>();
  /** MIX version clock: owner → newest row clock applied through MIX. Not saved; survives loads (adopt). */
  readonly versionClock = new Map<string, number>();

  /** `what` names the table in decoding errors ("values table", "score table"). */
  constructor(readonly width: number, readonly what: string) {
    this.cols = Array.from({ length: width }, () => []);
  }

  get size(): number {
    return this.ids.length;
  }

  rowOf(id: string): number | undefined {
    return this.index.get(id);
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Column `col` of row `id`, or undefined when the id is unknown. */
  get(id: string, col = 0): number | undefined {
    const row = this.index.get(id);
    return row === undefined ? undefined : this.cols[col]![row];
  }

  /** column_table::add: inserts or overwrites (in place) with version (owner, clock); clock += 1. */
  add(id: string, owner: string, values: readonly number[]): number {
    const row = this.put(id, owner, this.clock, values);
    this.clock += 1;
    return row;
  }

  /** column_table::update_clock: re-stamps a row as written now by `owner`. */
  updateClock(row: number, owner: string): void {
    this.owners[row] = owner;
    this.clocks[row] = this.clock;
    this.clock += 1;
  }

  private put(id: string, owner: string, clock: number, values: readonly number[]): number {
    let row = this.index.get(id);
    if (row === undefined) {
      row = this.ids.length;
      this.index.set(id, row);
      this.ids.push(id);
      this.owners.push(owner);
      this.clocks.push(clock);
      for (let c = 0; c < this.width; c++) this.cols[c]!.push(values[c]!);
    } else {
      this.owners[row] = owner;
      this.clocks[row] = clock;
      for (let c = 0; c < this.width; c++) this.cols[c]![row] = values[c]!;
    }
    return row;
  }

  /** Deletes like the column table: the last row moves into the hole, the clock moves on. */
  deleteRow(id: string): boolean {
    const row = this.index.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    this.index.delete(id);
    if (row !== last) {
      const moved = this.ids[last]!;
      this.ids[row] = moved;
      this.owners[row] = this.owners[last]!;
      this.clocks[row] = this.clocks[last]!;
      for (const col of this.cols) col[row] = col[last]!;
      this.index.set(moved, row);
    }
    this.ids.pop();
    this.owners.pop();
    this.clocks.pop();
    for (const col of this.cols) col.pop();
    this.clock += 1;
    return true;
  }

  clear(): void {
    this.ids = [];
    this.cols = Array.from({ length: this.width }, () => []);
    this.owners = [];
    this.clocks = [];
    this.index = new Map();
    this.clock = 0;
    this.versionClock.clear();
  }

  /** Takes over `t`'s rows and clock (a model load); this table's version clock stays. */
  adopt(t: DoubleTable): void {
    this.ids = t.ids;
    this.cols = t.cols;
    this.owners = t.owners;
    this.clocks = t.clocks;
    this.index = t.index;
    this.clock = t.clock;
  }

  /** Writes `[keys, tuples, versions, columns, clock, index]`. */
  pack(w: MsgWriter): void {
    const n = this.size;
    w.arrayHeader(6);
    w.arrayHeader(n);
    for (const id of this.ids) w.str(id);
    w.int(n);
    w.arrayHeader(n);
    for (let i = 0; i < n; i++) {
      w.arrayHeader(2);
      w.arrayHeader(1);
      w.str(this.owners[i]!);
      w.int(this.clocks[i]!);
    }
    w.arrayHeader(this.width);
    for (const col of this.cols) {
      w.arrayHeader(2);
      w.arrayHeader(2);
      w.int(DOUBLE_TYPE);
      w.int(0);
      w.arrayHeader(n);
      for (const x of col) w.float64(x);
    }
    w.int(this.clock);
    w.mapHeader(n);
    for (let i = 0; i < n; i++) {
      w.str(this.ids[i]!);
      w.int(i);
    }
  }

  /** Decodes a model-file table of `width` double columns; throws on any malformation. */
  static unpack(v: MsgValue, width: number, what: string): DoubleTable {
    const parts = expectArray(v, what, 6);
    const keys = expectArray(parts[0]!, `${what} keys`);
    const n = keys.length;
    if (expectUint(parts[1]!, `${what} tuples`) !== n) throw new MsgpackError(`${what}: tuples does not match the key count`);
    const versions = expectArray(parts[2]!, `${what} versions`, n);
    const cols = expectArray(parts[3]!, `${what} columns`, width).map((c, j) => {
      const col = expectArray(c, `${what} column ${j}`, 2);
      const ty = expectArray(col[0]!, `${what} column ${j} type`, 2);
      if (expectNumber(ty[0]!, 'column type') !== DOUBLE_TYPE || expectNumber(ty[1]!, 'column width') !== 0) {
        throw new MsgpackError(`${what} column ${j}: expected a double column [9, 0]`);
      }
      return expectArray(col[1]!, `${what} column ${j} values`, n).map((x) => expectNumber(x, `${what} column ${j} value`));
    });
    const t = new DoubleTable(width, what);
    for (let i = 0; i < n; i++) {
      const ver = expectArray(versions[i]!, `${what} version`, 2);
      const owner = expectString(expectArray(ver[0]!, `${what} owner`, 1)[0]!, `${what} owner`);
      const id = expectString(keys[i]!, `${what} key`);
      if (t.index.has(id)) throw new MsgpackError(`${what}: duplicate key ${id}`);
      t.put(id, owner, expectUint(ver[1]!, `${what} clock`), cols.map((c) => c[i]!));
    }
    t.clock = expectUint(parts[4]!, `${what} clock`);
    const index = expectMap(parts[5]!, `${what} index`);
    if (index.entries.length !== n) throw new MsgpackError(`${what}: index size does not match the key count`);
    for (const [k, r] of index.entries) {
      if (t.index.get(expectString(k, `${what} index key`)) !== expectNumber(r, `${what} index row`)) {
        throw new MsgpackError(`${what}: index disagrees with the key order`);
      }
    }
    return t;
  }

  /** Rows whose clock is newer than `vc[owner]` (or whose owner `vc` does not know), in row order. */
  diffRows(vc: ReadonlyMap<string, number> = this.versionClock): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.clocks[i]! > (vc.get(this.owners[i]!) ?? -Infinity)) out.push(i);
    return out;
  }

  /** Writes the rows a peer with version clock `vc` lacks (the own version clock by default). */
  writeDiff(w: MsgWriter, vc?: ReadonlyMap<string, number>): void {
    const rows = this.diffRows(vc);
    w.arrayHeader(rows.length);
    for (const i of rows) writeRow(w, this.ids[i]!, this.owners[i]!, this.clocks[i]!, this.cols.map((c) => c[i]!));
  }

  /**
   * put_diff / push of one row: a new id is appended, a known one overwritten when the incoming
   * clock is at least the local one; the table clock moves past it and the version clock
   * remembers the newest clock per owner.
   */
  putRow(r: DoubleRow): void {
    const row = this.index.get(r.id);
    if (row === undefined || r.clock >= this.clocks[row]!) this.put(r.id, r.owner, r.clock, r.values);
    this.clock = Math.max(this.clock, r.clock + 1);
    this.versionClock.set(r.owner, Math.max(this.versionClock.get(r.owner) ?? -Infinity, r.clock));
  }
}

function writeRow(w: MsgWriter, id: string, owner: string, clock: number, values: readonly number[]): void {
  w.arrayHeader(3);
  w.str(id);
  w.arrayHeader(2);
  w.arrayHeader(1);
  w.str(owner);
  w.int(clock);
  w.arrayHeader(values.length);
  for (const x of values) w.float64(x);
}

/** A diff's rows array, `width` values per row. */
export function readDoubleRows(v: MsgValue, width: number, what: string): DoubleRow[] {
  return expectArray(v, `${what} diff`).map((rv) => {
    const r = expectArray(rv, `${what} diff row`, 3);
    const ver = expectArray(r[1]!, `${what} diff version`, 2);
    return {
      id: expectString(r[0]!, `${what} diff id`),
      owner: expectString(expectArray(ver[0]!, `${what} diff owner`, 1)[0]!, `${what} diff owner`),
      clock: expectUint(ver[1]!, `${what} diff clock`),
      values: expectArray(r[2]!, `${what} diff values`, width).map((x) => expectNumber(x, `${what} diff value`)),
    };
  });
}

/**
 * The table as a linear mixable: rows newer than the version clock, wrapped as raw; the fold
 * concatenates; put_diff applies the rows (`apply`: an unlearner may touch each first) and
 * always accepts. `table` is read per call: a load may replace it.
 */
export function doubleTablePart(table: () => DoubleTable, apply: (rows: DoubleRow[]) => void): LinearPart<DoubleRow[]> {
  const wrapped = (w: MsgWriter, write: (inner: MsgWriter) => void): void => {
    const inner = new MsgWriter(256);
    write(inner);
    w.raw(inner.toBytes());
  };
  return {
    packDiff: (w) => wrapped(w, (inner) => table().writeDiff(inner)),
    unpackDiff: (v: MsgValue) => {
      const t = table();
      const bytes = expectBytes(v, `${t.what} diff`);
      const r = new MsgReader(bytes);
      const rows = readDoubleRows(r.read(), t.width, t.what);
      if (r.pos !== bytes.length) throw new MsgpackError(`${t.what} diff: trailing bytes`);
      return rows;
    },
    mixDiff: (acc, incoming) => acc.concat(incoming),
    writeDiff: (w, rows) => wrapped(w, (inner) => {
      inner.arrayHeader(rows.length);
      for (const r of rows) writeRow(inner, r.id, r.owner, r.clock, r.values);
    }),
    putDiff(rows: DoubleRow[]): boolean {
      apply(rows);
      return true;
    },
  };
}

/** The table as a push mixable: its version clock out, the rows a peer lacks back. */
export function doubleTablePushPart(table: () => DoubleTable, apply: (rows: DoubleRow[]) => void): PushPart {
  return {
    writeArgument: (w) => writeVersionClock(w, table().versionClock),
    pull: (arg, w) => table().writeDiff(w, readVersionClock(arg)),
    scan(buf, pos, end) {
      const t = table();
      const r = new MsgReader(buf, pos, end);
      const rows = readDoubleRows(r.read(), t.width, t.what);
      return { end: r.pos, apply: () => apply(rows) };
    },
  };
}
