/**
 * The fast path for the column table's MIX rows (spec §4.7). A MIX round moves every new row
 * through get_diff → fold → put_diff on every server, so rows are never turned into a msgpack
 * tree or into one object per row: a cursor validates them in place (the master's fold only
 * concatenates the validated byte runs), and put_diff/push decode straight into the table's
 * typed columns. Also the version clock's wire form (push mixers' pull argument).
 */
import { MsgMap, MsgpackError, expectArray, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { DiffRow } from './table-codec.js';
import type { RowTable } from './table.js';

/** Diff rows that passed validation, still encoded: `count` row arrays back to back. */
export interface RowRun {
  readonly bytes: Uint8Array;
  readonly count: number;
}

const TWO32 = 4294967296;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A minimal msgpack cursor for the one shape diff rows have; accepts both raw dialects. */
class Cursor {
  readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new MsgpackError('table diff: truncated msgpack data');
  }

  private head(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  arrayLen(what: string): number {
    const t = this.head();
    if (t >= 0x90 && t <= 0x9f) return t & 0x0f;
    const v = this.view;
    if (t === 0xdc) {
      this.need(2);
      this.pos += 2;
      return v.getUint16(this.pos - 2);
    }
    if (t === 0xdd) {
      this.need(4);
      this.pos += 4;
      return v.getUint32(this.pos - 4);
    }
    throw new MsgpackError(`${what}: expected an array`);
  }

  /** Length of a raw/str/bin; the cursor is left at its first byte, which is checked to exist. */
  rawLen(what: string): number {
    const t = this.head();
    let n: number;
    if (t >= 0xa0 && t <= 0xbf) n = t & 0x1f;
    else if (t === 0xd9 || t === 0xc4) {
      this.need(1);
      n = this.buf[this.pos++]!;
    } else if (t === 0xda || t === 0xc5) {
      this.need(2);
      n = this.view.getUint16(this.pos);
      this.pos += 2;
    } else if (t === 0xdb || t === 0xc6) {
      this.need(4);
      n = this.view.getUint32(this.pos);
      this.pos += 4;
    } else throw new MsgpackError(`${what}: expected raw bytes`);
    this.need(n);
    return n;
  }

  /** Any integer form (signed forms when non-negative); beyond 2^53 precision is lost, as for clocks. */
  uint(what: string): number {
    const t = this.head();
    if (t < 0x80) return t;
    const v = this.view;
    let n: number;
    switch (t) {
      case 0xcc: this.need(1); return this.buf[this.pos++]!;
      case 0xcd: this.need(2); n = v.getUint16(this.pos); this.pos += 2; return n;
      case 0xce: this.need(4); n = v.getUint32(this.pos); this.pos += 4; return n;
      case 0xcf: this.need(8); n = v.getUint32(this.pos) * TWO32 + v.getUint32(this.pos + 4); this.pos += 8; return n;
      case 0xd0: this.need(1); n = v.getInt8(this.pos); this.pos += 1; break;
      case 0xd1: this.need(2); n = v.getInt16(this.pos); this.pos += 2; break;
      case 0xd2: this.need(4); n = v.getInt32(this.pos); this.pos += 4; break;
      case 0xd3: this.need(8); n = v.getInt32(this.pos) * TWO32 + v.getUint32(this.pos + 4); this.pos += 8; break;
      default: throw new MsgpackError(`${what}: expected an unsigned integer`);
    }
    if (n < 0) throw new MsgpackError(`${what}: expected an unsigned integer`);
    return n;
  }

  /** float64, float32 or an integer (msgpack-c 0.5.9 accepts ints for doubles). */
  number(what: string): number {
    const t = this.buf[this.pos];
    if (t === 0xcb) {
      this.need(9);
      this.pos += 9;
      return this.view.getFloat64(this.pos - 8);
    }
    if (t === 0xca) {
      this.need(5);
      this.pos += 5;
      return this.view.getFloat32(this.pos - 4);
    }
    if (t !== undefined && t >= 0xe0) {
      this.pos++;
      return t - 0x100;
    }
    return this.uint(what);
  }
}

/** Where the fields of the row just read sit in the buffer; one instance is reused per pass. */
interface RowFields {
  idAt: number;
  idLen: number;
  ownerAt: number;
  ownerLen: number;
  clock: number;
  sigAt: number;
  norm: number;
}

/** Reads `[id, [[owner], clock], [[bit_num, raw], norm?]]`, checking the shape against the config. */
function readRow(c: Cursor, f: RowFields, hashNum: number, hasNorm: boolean): void {
  if (c.arrayLen('diff row') !== 3) throw new MsgpackError('diff row: expected an array of 3');
  f.idLen = c.rawLen('diff row id');
  f.idAt = c.pos;
  c.pos += f.idLen;
  if (c.arrayLen('diff row version') !== 2) throw new MsgpackError('diff row version: expected an array of 2');
  if (c.arrayLen('diff row owner') !== 1) throw new MsgpackError('diff row owner: expected an array of 1');
  f.ownerLen = c.rawLen('diff row owner');
  f.ownerAt = c.pos;
  c.pos += f.ownerLen;
  f.clock = c.uint('diff row clock');
  if (c.arrayLen('diff row columns') !== (hasNorm ? 2 : 1)) {
    throw new MsgpackError(`diff row columns: expected an array of ${hasNorm ? 2 : 1}`);
  }
  if (c.arrayLen('diff bit_vector') !== 2) throw new MsgpackError('diff bit_vector: expected an array of 2');
  if (c.uint('diff bit_num') !== hashNum) throw new MsgpackError(`diff bit_num differs from hash_num ${hashNum}`);
  const sigLen = c.rawLen('diff bit_vector');
  const want = ((hashNum + 63) >>> 6) * 8;
  if (sigLen !== want) throw new MsgpackError(`diff bit_vector: expected ${want} bytes, got ${sigLen}`);
  f.sigAt = c.pos;
  c.pos += sigLen;
  f.norm = hasNorm ? c.number('diff norm') : 0;
}

const newFields = (): RowFields => ({ idAt: 0, idLen: 0, ownerAt: 0, ownerLen: 0, clock: 0, sigAt: 0, norm: 0 });

/**
 * Validates the rows array starting at `pos` (header included) without decoding it; returns the
 * rows as a run and where the array ends.
 */
export function scanRows(buf: Uint8Array, pos: number, end: number, hashNum: number, hasNorm: boolean): { run: RowRun; end: number } {
  const c = new Cursor(buf, pos, end);
  const count = c.arrayLen('table diff');
  const start = c.pos;
  const f = newFields();
  for (let i = 0; i < count; i++) readRow(c, f, hashNum, hasNorm);
  return { run: { bytes: buf.subarray(start, c.pos), count }, end: c.pos };
}

/** A whole buffer that must be exactly one rows array. */
export function scanRowsExactly(buf: Uint8Array, hashNum: number, hasNorm: boolean): RowRun {
  const { run, end } = scanRows(buf, 0, buf.length, hashNum, hasNorm);
  if (end !== buf.length) throw new MsgpackError(`table diff: ${buf.length - end} trailing bytes`);
  return run;
}

/** The fold of a MIX round: one rows array out of validated runs, in order. */
export function writeRuns(w: MsgWriter, runs: readonly RowRun[]): void {
  let n = 0;
  for (const r of runs) n += r.count;
  w.arrayHeader(n);
  for (const r of runs) w.encoded(r.bytes);
}

function decodeString(buf: Uint8Array, at: number, len: number): string {
  if (len < 32) {
    let s = '';
    for (let i = 0; i < len; i++) {
      const ch = buf[at + i]!;
      if (ch >= 0x80) return utf8.decode(buf.subarray(at, at + len));
      s += String.fromCharCode(ch);
    }
    return s;
  }
  return utf8.decode(buf.subarray(at, at + len));
}

function sameBytes(buf: Uint8Array, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/**
 * put_diff / push for a validated run: a new id is appended, a known id is overwritten in place
 * when the incoming clock is at least the local one (owner not compared). The table clock moves
 * past every incoming clock; the version clock keeps the newest clock seen per owner.
 */
export function applyRun(t: RowTable, run: RowRun): void {
  const c = new Cursor(run.bytes, 0, run.bytes.length);
  const buf = run.bytes;
  const view = c.view;
  const f = newFields();
  const W = t.words;
  const B = (t.hashNum + 63) >>> 6;
  const newest = new Map<number, number>();
  // Rows come grouped by owner (each server's diff is contiguous), so remember the last owner's
  // bytes instead of decoding the owner string per row.
  let lastAt = -1, lastLen = -1, ownerIdx = 0;
  let maxClock = -1;
  for (let i = 0; i < run.count; i++) {
    readRow(c, f, t.hashNum, t.hasNorm);
    if (f.ownerLen !== lastLen || !sameBytes(buf, f.ownerAt, lastAt, lastLen)) {
      ownerIdx = t.internOwner(decodeString(buf, f.ownerAt, f.ownerLen));
      lastAt = f.ownerAt;
      lastLen = f.ownerLen;
    }
    const clock = f.clock;
    if (clock > maxClock) maxClock = clock;
    const prev = newest.get(ownerIdx);
    if (prev === undefined || clock > prev) newest.set(ownerIdx, clock);
    const id = decodeString(buf, f.idAt, f.idLen);
    let row = t.rowOf(id);
    if (row === undefined) row = t.writeRaw(id, ownerIdx, clock);
    else if (clock >= t.clocks[row]!) {
      t.ownerIdx[row] = ownerIdx;
      t.clocks[row] = clock;
    } else continue;
    // uint64 blocks are big-endian on the wire: high word first.
    const sigs = t.sigs;
    const off = row * W;
    for (let b = 0; b < B; b++) {
      sigs[off + 2 * b] = view.getUint32(f.sigAt + b * 8 + 4);
      if (2 * b + 1 < W) sigs[off + 2 * b + 1] = view.getUint32(f.sigAt + b * 8);
    }
    if (t.norms) t.norms[row] = f.norm;
  }
  if (maxClock >= 0) t.clock = Math.max(t.clock, maxClock + 1);
  for (const [o, clock] of newest) {
    const owner = t.owners[o]!;
    const had = t.versionClock.get(owner);
    if (had === undefined || clock > had) t.versionClock.set(owner, clock);
  }
}

/** The rows of a run as objects (status pages, tests); MIX itself never needs this. */
export function decodeRun(run: RowRun, hashNum: number, hasNorm: boolean): DiffRow[] {
  const c = new Cursor(run.bytes, 0, run.bytes.length);
  const f = newFields();
  const W = (hashNum + 31) >>> 5;
  const B = (hashNum + 63) >>> 6;
  const out: DiffRow[] = [];
  for (let i = 0; i < run.count; i++) {
    readRow(c, f, hashNum, hasNorm);
    const sig = new Uint32Array(W);
    for (let b = 0; b < B; b++) {
      sig[2 * b] = c.view.getUint32(f.sigAt + b * 8 + 4);
      if (2 * b + 1 < W) sig[2 * b + 1] = c.view.getUint32(f.sigAt + b * 8);
    }
    out.push({
      id: decodeString(run.bytes, f.idAt, f.idLen),
      owner: decodeString(run.bytes, f.ownerAt, f.ownerLen),
      clock: f.clock,
      sig,
      norm: f.norm,
    });
  }
  return out;
}

/**
 * The version clock as Jubatus packs it (a `std::map<owner, uint64>`): a map keyed by the owner
 * struct `[name]`, in name order.
 */
export function writeVersionClock(w: MsgWriter, vc: ReadonlyMap<string, number>): void {
  const owners = [...vc.keys()].sort();
  w.mapHeader(owners.length);
  for (const o of owners) {
    w.arrayHeader(1);
    w.str(o);
    w.int(vc.get(o)!);
  }
}

/** Reads a version clock; plain string keys are accepted too. */
export function readVersionClock(v: MsgValue): Map<string, number> {
  if (!(v instanceof MsgMap)) throw new MsgpackError('version clock: expected a map');
  const out = new Map<string, number>();
  for (const [k, c] of v.entries) {
    const owner = Array.isArray(k) ? expectString(expectArray(k, 'version clock owner', 1)[0]!, 'version clock owner') : expectString(k, 'version clock owner');
    const clock = expectNumber(c, 'version clock value');
    if (!Number.isInteger(clock) || clock < 0) throw new MsgpackError('version clock value: expected an unsigned integer');
    out.set(owner, clock);
  }
  return out;
}
