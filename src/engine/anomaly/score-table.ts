/**
 * light_lof's score table: 1.1.1's column table with two double columns (k-distance, LRD) per
 * row, versioned like the nearest_neighbor table (engine spec §4.3, §4.7): rows in insertion
 * order, a version (owner, clock) per row, the table clock bumped on every write, deletion by
 * moving the last row into the hole. It is one of light_lof's MIX parts (linear and push).
 *
 * Model-file form `[keys, tuples, versions, [[[9,0],[kdist…]], [[9,0],[lrd…]]], clock, index]`;
 * MIX rows `[id, [[owner], clock], [kdist, lrd]]`, wrapped once more as raw in get_diff.
 */
import {
  MsgReader, MsgpackError, expectArray, expectBytes, expectMap, expectNumber, expectString, type MsgValue,
} from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import type { LinearPart } from '../mixable.js';
import type { PushPart } from '../push-parts.js';
import { readVersionClock, writeVersionClock } from '../nearest_neighbor/row-diff.js';

const DOUBLE_TYPE = 9;

/** A row of a MIX diff, decoded. */
export interface ScoreRow {
  id: string;
  owner: string;
  clock: number;
  kdist: number;
  lrd: number;
}

function expectUint(v: MsgValue, what: string): number {
  const n = expectNumber(v, what);
  if (!Number.isInteger(n) || n < 0) throw new MsgpackError(`${what}: expected an unsigned integer`);
  return n;
}

export class ScoreTable {
  ids: string[] = [];
  kdist: number[] = [];
  lrd: number[] = [];
  owners: string[] = [];
  clocks: number[] = [];
  /** Table clock: the next write's version clock. */
  clock = 0;
  private index = new Map<string, number>();
  /** MIX version clock: owner → highest row clock applied through MIX. Not saved. */
  readonly versionClock = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  rowOf(id: string): number | undefined {
    return this.index.get(id);
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** column_table::add: inserts or overwrites (in place) with version (owner, clock); clock += 1. */
  add(id: string, owner: string, kdist: number, lrd: number): number {
    let row = this.index.get(id);
    if (row === undefined) {
      row = this.ids.length;
      this.ids.push(id);
      this.kdist.push(kdist);
      this.lrd.push(lrd);
      this.owners.push(owner);
      this.clocks.push(this.clock);
      this.index.set(id, row);
    } else {
      this.kdist[row] = kdist;
      this.lrd[row] = lrd;
      this.owners[row] = owner;
      this.clocks[row] = this.clock;
    }
    this.clock += 1;
    return row;
  }

  /** column_table::update_clock: re-stamps a row as written now by `owner`. */
  updateClock(row: number, owner: string): void {
    this.owners[row] = owner;
    this.clocks[row] = this.clock;
    this.clock += 1;
  }

  /** Deletes like the column table: the last row moves into the hole, the clock moves on. */
  deleteRow(id: string): boolean {
    const row = this.index.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    if (row !== last) {
      const moved = this.ids[last]!;
      this.ids[row] = moved;
      this.kdist[row] = this.kdist[last]!;
      this.lrd[row] = this.lrd[last]!;
      this.owners[row] = this.owners[last]!;
      this.clocks[row] = this.clocks[last]!;
      this.index.set(moved, row);
    }
    this.index.delete(id);
    this.ids.pop();
    this.kdist.pop();
    this.lrd.pop();
    this.owners.pop();
    this.clocks.pop();
    this.clock += 1;
    return true;
  }

  clear(): void {
    this.ids = [];
    this.kdist = [];
    this.lrd = [];
    this.owners = [];
    this.clocks = [];
    this.clock = 0;
    this.index = new Map();
    this.versionClock.clear();
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
    w.arrayHeader(2);
    for (const col of [this.kdist, this.lrd]) {
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

  /** Decodes a model-file table (throws on any malformation); the version clock is kept. */
  static unpack(v: MsgValue): ScoreTable {
    const parts = expectArray(v, 'score table', 6);
    const keys = expectArray(parts[0]!, 'score table keys');
    const n = keys.length;
    if (expectUint(parts[1]!, 'score table tuples') !== n) throw new MsgpackError('score table tuples does not match the key count');
    const versions = expectArray(parts[2]!, 'score table versions', n);
    const columns = expectArray(parts[3]!, 'score table columns', 2);
    const cols = columns.map((c, j) => {
      const col = expectArray(c, `score column ${j}`, 2);
      const ty = expectArray(col[0]!, `score column ${j} type`, 2);
      if (expectNumber(ty[0]!, 'column type') !== DOUBLE_TYPE || expectNumber(ty[1]!, 'column width') !== 0) {
        throw new MsgpackError(`score column ${j}: expected a double column [9, 0]`);
      }
      const values = expectArray(col[1]!, `score column ${j} values`, n);
      return values.map((x) => expectNumber(x, `score column ${j} value`));
    });
    const t = new ScoreTable();
    for (let i = 0; i < n; i++) {
      const ver = expectArray(versions[i]!, 'row version', 2);
      const owner = expectString(expectArray(ver[0]!, 'row owner', 1)[0]!, 'row owner');
      const id = expectString(keys[i]!, 'row key');
      if (t.index.has(id)) throw new MsgpackError(`duplicate row key at ${i}`);
      t.index.set(id, i);
      t.ids.push(id);
      t.owners.push(owner);
      t.clocks.push(expectUint(ver[1]!, 'row clock'));
      t.kdist.push(cols[0]![i]!);
      t.lrd.push(cols[1]![i]!);
    }
    t.clock = expectUint(parts[4]!, 'score table clock');
    const index = expectMap(parts[5]!, 'score table index');
    if (index.entries.length !== n) throw new MsgpackError('score table index size does not match the key count');
    for (const [k, r] of index.entries) {
      if (t.index.get(expectString(k, 'index key')) !== expectNumber(r, 'index row')) {
        throw new MsgpackError('score table index disagrees with the key order');
      }
    }
    return t;
  }

  /** Rows whose clock is newer than `vc[owner]` (or whose owner `vc` does not know). */
  diffRows(vc: ReadonlyMap<string, number> = this.versionClock): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.clocks[i]! > (vc.get(this.owners[i]!) ?? -Infinity)) out.push(i);
    return out;
  }

  /** Writes the rows a peer with version clock `vc` lacks: `[[id, [[owner], clock], [kdist, lrd]] …]`. */
  writeDiff(w: MsgWriter, vc?: ReadonlyMap<string, number>): void {
    const rows = this.diffRows(vc);
    w.arrayHeader(rows.length);
    for (const i of rows) writeScoreRow(w, { id: this.ids[i]!, owner: this.owners[i]!, clock: this.clocks[i]!, kdist: this.kdist[i]!, lrd: this.lrd[i]! });
  }

  /**
   * put_diff / push of one row: a new id is appended, a known one overwritten when the incoming
   * clock is at least the local one; the table clock moves past it and the version clock
   * remembers the newest clock per owner.
   */
  putRow(r: ScoreRow): void {
    const existing = this.index.get(r.id);
    if (existing === undefined) {
      this.index.set(r.id, this.ids.length);
      this.ids.push(r.id);
      this.kdist.push(r.kdist);
      this.lrd.push(r.lrd);
      this.owners.push(r.owner);
      this.clocks.push(r.clock);
    } else if (r.clock >= this.clocks[existing]!) {
      this.kdist[existing] = r.kdist;
      this.lrd[existing] = r.lrd;
      this.owners[existing] = r.owner;
      this.clocks[existing] = r.clock;
    }
    this.clock = Math.max(this.clock, r.clock + 1);
    this.versionClock.set(r.owner, Math.max(this.versionClock.get(r.owner) ?? -Infinity, r.clock));
  }
}

export function writeScoreRow(w: MsgWriter, r: ScoreRow): void {
  w.arrayHeader(3);
  w.str(r.id);
  w.arrayHeader(2);
  w.arrayHeader(1);
  w.str(r.owner);
  w.int(r.clock);
  w.arrayHeader(2);
  w.float64(r.kdist);
  w.float64(r.lrd);
}

export function readScoreRows(v: MsgValue): ScoreRow[] {
  return expectArray(v, 'score table diff').map((rv) => {
    const r = expectArray(rv, 'score diff row', 3);
    const ver = expectArray(r[1]!, 'score diff row version', 2);
    const cols = expectArray(r[2]!, 'score diff row columns', 2);
    return {
      id: expectString(r[0]!, 'score diff row id'),
      owner: expectString(expectArray(ver[0]!, 'score diff row owner', 1)[0]!, 'score diff row owner'),
      clock: expectUint(ver[1]!, 'score diff row clock'),
      kdist: expectNumber(cols[0]!, 'score diff kdist'),
      lrd: expectNumber(cols[1]!, 'score diff lrd'),
    };
  });
}

/**
 * The score table as a linear mixable: rows newer than the version clock, wrapped as raw; the
 * fold concatenates; put_diff upserts by clock (`apply` lets an unlearner touch each row first)
 * and always accepts.
 */
export function scoreTablePart(table: () => ScoreTable, apply: (rows: ScoreRow[]) => void): LinearPart<ScoreRow[]> {
  return {
    packDiff(w: MsgWriter): void {
      const inner = new MsgWriter(256);
      table().writeDiff(inner);
      w.raw(inner.toBytes());
    },
    unpackDiff: (v: MsgValue) => {
      const bytes = expectBytes(v, 'score table diff');
      const r = new MsgReader(bytes);
      const rows = readScoreRows(r.read());
      if (r.pos !== bytes.length) throw new MsgpackError('score table diff: trailing bytes');
      return rows;
    },
    mixDiff: (acc, incoming) => acc.concat(incoming),
    writeDiff(w: MsgWriter, rows: ScoreRow[]): void {
      const inner = new MsgWriter(256);
      inner.arrayHeader(rows.length);
      for (const r of rows) writeScoreRow(inner, r);
      w.raw(inner.toBytes());
    },
    putDiff(rows: ScoreRow[]): boolean {
      apply(rows);
      return true;
    },
  };
}

/** The score table as a push mixable: its version clock out, the rows a peer lacks back. */
export function scoreTablePushPart(table: () => ScoreTable, apply: (rows: ScoreRow[]) => void): PushPart {
  return {
    writeArgument: (w) => writeVersionClock(w, table().versionClock),
    pull: (arg, w) => table().writeDiff(w, readVersionClock(arg)),
    scan(buf, pos, end) {
      const r = new MsgReader(buf, pos, end);
      const rows = readScoreRows(r.read());
      return { end: r.pos, apply: () => apply(rows) };
    },
  };
}
