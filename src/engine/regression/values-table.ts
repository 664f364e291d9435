/**
 * The target values of the NN and inverted-index regressions (engine spec §7): a versioned column
 * table with one double column (core storage/column_table, framework/mixable_versioned_table),
 * MIXed like the nearest_neighbor table (§4.7): rows newer than the version clock, folded by
 * concatenation, upserted by clock.
 *
 * Model-file form `[keys, tuples, versions, [[[9, 0], values]], clock, index]`; a diff row is
 * `[id, [[owner], clock], [value]]`. Rows are written with owner "" as 1.1.1 does here.
 */
import {
  MsgpackError, decodeOne, expectArray, expectMap, expectNumber, expectString, type MsgValue,
} from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';

const DOUBLE_TYPE = 9;

export interface ValueRow {
  id: string;
  owner: string;
  clock: number;
  value: number;
}

function uint(v: MsgValue, what: string): number {
  const n = expectNumber(v, what);
  if (!Number.isInteger(n) || n < 0) throw new MsgpackError(`${what}: expected an unsigned integer`);
  return n;
}

export class ValuesTable {
  private ids: string[] = [];
  private values: number[] = [];
  private owners: string[] = [];
  private clocks: number[] = [];
  private index = new Map<string, number>();
  private clock = 0;
  /** MIX version clock: owner → newest row clock applied through MIX. Survives loads, like 1.1.1's. */
  readonly versionClock = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  get(id: string): number | undefined {
    const row = this.index.get(id);
    return row === undefined ? undefined : this.values[row];
  }

  /** A local write: append or overwrite in place, version := (owner, clock), clock += 1. */
  add(id: string, value: number, owner = ''): void {
    this.put({ id, owner, clock: this.clock, value });
    this.clock += 1;
  }

  private put(r: ValueRow): void {
    const row = this.index.get(r.id);
    if (row === undefined) {
      this.index.set(r.id, this.ids.length);
      this.ids.push(r.id);
      this.values.push(r.value);
      this.owners.push(r.owner);
      this.clocks.push(r.clock);
    } else {
      this.values[row] = r.value;
      this.owners[row] = r.owner;
      this.clocks[row] = r.clock;
    }
  }

  /** Removes a row, moving the last row into its slot as the column table does; clock += 1. */
  deleteRow(id: string): boolean {
    const row = this.index.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    this.index.delete(id);
    if (row !== last) {
      this.ids[row] = this.ids[last]!;
      this.values[row] = this.values[last]!;
      this.owners[row] = this.owners[last]!;
      this.clocks[row] = this.clocks[last]!;
      this.index.set(this.ids[row]!, row);
    }
    this.ids.pop();
    this.values.pop();
    this.owners.pop();
    this.clocks.pop();
    this.clock += 1;
    return true;
  }

  clear(): void {
    this.ids = [];
    this.values = [];
    this.owners = [];
    this.clocks = [];
    this.index = new Map();
    this.clock = 0;
    this.versionClock.clear();
  }

  pack(w: MsgWriter): void {
    const n = this.ids.length;
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
    w.arrayHeader(1);
    w.arrayHeader(2);
    w.arrayHeader(2);
    w.int(DOUBLE_TYPE);
    w.int(0);
    w.arrayHeader(n);
    for (const x of this.values) w.float64(x);
    w.int(this.clock);
    w.mapHeader(n);
    for (let i = 0; i < n; i++) {
      w.str(this.ids[i]!);
      w.int(i);
    }
  }

  /** Decodes and checks a model-file table; the returned function installs it. */
  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'values table', 6);
    const keys = expectArray(a[0]!, 'values table keys').map((k) => expectString(k, 'values table key'));
    const n = keys.length;
    if (uint(a[1]!, 'values table tuples') !== n) throw new MsgpackError('values table: tuples does not match the key count');
    const versions = expectArray(a[2]!, 'values table versions', n);
    const col = expectArray(expectArray(a[3]!, 'values table columns', 1)[0]!, 'values column', 2);
    const type = expectArray(col[0]!, 'values column type', 2);
    if (expectNumber(type[0]!, 'values column type') !== DOUBLE_TYPE) throw new MsgpackError('values column: expected a double column [9, 0]');
    const values = expectArray(col[1]!, 'values column values', n).map((x) => expectNumber(x, 'values column value'));
    const t = new ValuesTable();
    keys.forEach((id, i) => {
      const ver = expectArray(versions[i]!, 'values table version', 2);
      const owner = expectString(expectArray(ver[0]!, 'values table owner', 1)[0]!, 'values table owner');
      if (t.index.has(id)) throw new MsgpackError(`values table: duplicate key ${id}`);
      t.put({ id, owner, clock: uint(ver[1]!, 'values table clock'), value: values[i]! });
    });
    t.clock = uint(a[4]!, 'values table clock');
    const index = expectMap(a[5]!, 'values table index');
    if (index.entries.length !== n) throw new MsgpackError('values table: index size does not match the key count');
    for (const [k, r] of index.entries) {
      if (t.index.get(expectString(k, 'values index key')) !== expectNumber(r, 'values index row')) {
        throw new MsgpackError('values table: index disagrees with the key order');
      }
    }
    return () => {
      this.ids = t.ids;
      this.values = t.values;
      this.owners = t.owners;
      this.clocks = t.clocks;
      this.index = t.index;
      this.clock = t.clock;
    };
  }

  // ---- MIX ----

  /** Rows newer than `vc` (own version clock by default), in row order. */
  diffRows(vc: ReadonlyMap<string, number> = this.versionClock): ValueRow[] {
    const out: ValueRow[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      const seen = vc.get(this.owners[i]!);
      if (seen === undefined || seen < this.clocks[i]!) {
        out.push({ id: this.ids[i]!, owner: this.owners[i]!, clock: this.clocks[i]!, value: this.values[i]! });
      }
    }
    return out;
  }

  /** put_diff / push: append new ids, overwrite known ones when the incoming clock is not older. */
  putRows(rows: readonly ValueRow[]): void {
    for (const r of rows) {
      const row = this.index.get(r.id);
      if (row === undefined || this.clocks[row]! <= r.clock) this.put(r);
      if (this.clock <= r.clock) this.clock = r.clock + 1;
      const had = this.versionClock.get(r.owner);
      if (had === undefined || had < r.clock) this.versionClock.set(r.owner, r.clock);
    }
  }
}

export function writeValueRows(w: MsgWriter, rows: readonly ValueRow[]): void {
  w.arrayHeader(rows.length);
  for (const r of rows) {
    w.arrayHeader(3);
    w.str(r.id);
    w.arrayHeader(2);
    w.arrayHeader(1);
    w.str(r.owner);
    w.int(r.clock);
    w.arrayHeader(1);
    w.float64(r.value);
  }
}

export function readValueRows(v: MsgValue): ValueRow[] {
  return expectArray(v, 'values diff').map((rv) => {
    const r = expectArray(rv, 'values diff row', 3);
    const ver = expectArray(r[1]!, 'values diff version', 2);
    return {
      id: expectString(r[0]!, 'values diff id'),
      owner: expectString(expectArray(ver[0]!, 'values diff owner', 1)[0]!, 'values diff owner'),
      clock: uint(ver[1]!, 'values diff clock'),
      value: expectNumber(expectArray(r[2]!, 'values diff columns', 1)[0]!, 'values diff value'),
    };
  });
}

/** The raw-wrapped linear diff of 1.1.1's versioned tables: the bytes of the rows array. */
export function readWrappedValueRows(v: MsgValue): ValueRow[] {
  if (!(v instanceof Uint8Array)) throw new MsgpackError('values diff: expected raw bytes');
  return readValueRows(decodeOne(v));
}
