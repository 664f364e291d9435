/**
 * The fast path for the column table's MIX rows (spec §4.7). A MIX round moves every new row
 * through get_diff → fold → put_diff on every server, so rows are never turned into a msgpack
 * tree or into one object per row: a cursor validates them in place (the master's fold only
 * concatenates the validated byte runs), and put_diff/push decode straight into the table's
 * typed columns. Also the version clock's wire form (push mixers' pull argument).
 */
import { MsgMap, MsgpackError, expectArray, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import type { DiffRow } from './table-codec.js';
import { hashId } from './id-index.js';
import type { RowTable } from './table.js';

/**
 * Diff rows that passed validation, still encoded: `count` row arrays back to back in `bytes`.
 * The scan also leaves where each row's fields are (typed columns, offsets into `bytes`) and the
 * per-owner newest clocks, so put_diff writes the table without parsing the rows again and
 * without an object per row.
 */
export interface RowRun {
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly idAt: Uint32Array;
  readonly idLen: Uint32Array;
  /** Offset of the signature's raw bytes (uint64 blocks, big-endian). */
  readonly sigAt: Uint32Array;
  readonly clock: Float64Array;
  /** Index into `owners`. */
  readonly owner: Uint32Array;
  readonly norm: Float64Array | null;
  /** The distinct owners, in order of first appearance, and the newest clock of each. */
  readonly owners: readonly string[];
  readonly ownerNewest: readonly number[];
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
  // Fast path: the columns' headers as juba and Jubatus write them, compared as bytes.
  const tail = tailHeader(hashNum, hasNorm);
  const sigLen = ((hashNum + 63) >>> 6) * 8;
  if (c.pos + tail.length + sigLen <= c.end && sameAs(c.buf, c.pos, tail)) {
    f.sigAt = c.pos + tail.length;
    c.pos = f.sigAt + sigLen;
    f.norm = hasNorm ? c.number('diff norm') : 0;
    return;
  }
  if (c.arrayLen('diff row columns') !== (hasNorm ? 2 : 1)) {
    throw new MsgpackError(`diff row columns: expected an array of ${hasNorm ? 2 : 1}`);
  }
  if (c.arrayLen('diff bit_vector') !== 2) throw new MsgpackError('diff bit_vector: expected an array of 2');
  if (c.uint('diff bit_num') !== hashNum) throw new MsgpackError(`diff bit_num differs from hash_num ${hashNum}`);
  const got = c.rawLen('diff bit_vector');
  if (got !== sigLen) throw new MsgpackError(`diff bit_vector: expected ${sigLen} bytes, got ${got}`);
  f.sigAt = c.pos;
  c.pos += sigLen;
  f.norm = hasNorm ? c.number('diff norm') : 0;
}

let tailKey = -1;
let tailBytes = new Uint8Array(0);

/** `[[bit_num, <raw header>` (and the columns array's header) in the smallest encoding. */
function tailHeader(hashNum: number, hasNorm: boolean): Uint8Array {
  const key = hashNum * 2 + (hasNorm ? 1 : 0);
  if (key === tailKey) return tailBytes;
  const w = new MsgWriter(16);
  w.arrayHeader(hasNorm ? 2 : 1);
  w.arrayHeader(2);
  w.int(hashNum);
  const sigLen = ((hashNum + 63) >>> 6) * 8;
  const withRaw = new MsgWriter(16);
  withRaw.raw(new Uint8Array(sigLen));
  const b = w.toBytes();
  const rawHdr = withRaw.toBytes().subarray(0, withRaw.pos - sigLen);
  tailBytes = new Uint8Array(b.length + rawHdr.length);
  tailBytes.set(b);
  tailBytes.set(rawHdr, b.length);
  tailKey = key;
  return tailBytes;
}

function sameAs(buf: Uint8Array, at: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (buf[at + i] !== want[i]) return false;
  return true;
}

const newFields = (): RowFields => ({ idAt: 0, idLen: 0, ownerAt: 0, ownerLen: 0, clock: 0, sigAt: 0, norm: 0 });

/** The smallest encoded diff row (empty id and owner, fixint clock, 1-byte signature): 12 bytes. */
const MIN_ROW_BYTES = 12;

/**
 * Validates the rows array starting at `pos` (header included) without decoding it; returns the
 * rows as a run (with each row's field offsets) and where the array ends.
 */
export function scanRows(buf: Uint8Array, pos: number, end: number, hashNum: number, hasNorm: boolean): { run: RowRun; end: number } {
  const c = new Cursor(buf, pos, end);
  const count = c.arrayLen('table diff');
  // The header is not trusted to size the columns below.
  if (count * MIN_ROW_BYTES > end - c.pos) throw new MsgpackError('table diff: truncated msgpack data');
  const start = c.pos;
  const idAt = new Uint32Array(count), idLen = new Uint32Array(count), sigAt = new Uint32Array(count);
  const clocks = new Float64Array(count), owner = new Uint32Array(count);
  const norm = hasNorm ? new Float64Array(count) : null;
  const owners: string[] = [];
  const ownerNewest: number[] = [];
  const f = newFields();
  // Rows come grouped by owner (each server's diff is contiguous): compare the owner's bytes
  // with the previous row's instead of decoding a string per row.
  let lastAt = -1, lastLen = -1, o = 0;
  for (let i = 0; i < count; i++) {
    readRow(c, f, hashNum, hasNorm);
    if (f.ownerLen !== lastLen || !sameBytes(buf, f.ownerAt, lastAt, lastLen)) {
      const name = decodeString(buf, f.ownerAt, f.ownerLen);
      o = owners.indexOf(name);
      if (o < 0) {
        o = owners.push(name) - 1;
        ownerNewest.push(-1);
      }
      lastAt = f.ownerAt;
      lastLen = f.ownerLen;
    }
    owner[i] = o;
    if (f.clock > ownerNewest[o]!) ownerNewest[o] = f.clock;
    idAt[i] = f.idAt - start;
    idLen[i] = f.idLen;
    sigAt[i] = f.sigAt - start;
    clocks[i] = f.clock;
    if (norm) norm[i] = f.norm;
  }
  const run: RowRun = {
    bytes: buf.subarray(start, c.pos), count, idAt, idLen, sigAt, clock: clocks, owner, norm, owners, ownerNewest,
  };
  return { run, end: c.pos };
}

/** A whole buffer that must be exactly one rows array. */
export function scanRowsExactly(buf: Uint8Array, hashNum: number, hasNorm: boolean): RowRun {
  const { run, end } = scanRows(buf, 0, buf.length, hashNum, hasNorm);
  if (end !== buf.length) throw new MsgpackError(`table diff: ${buf.length - end} trailing bytes`);
  return run;
}

/**
 * The fold of a MIX round: one rows array out of validated runs, in order, in one exactly-sized
 * buffer (the caller wraps it as raw).
 */
export function encodeRuns(runs: readonly RowRun[]): Uint8Array {
  let n = 0, size = 0;
  for (const r of runs) {
    n += r.count;
    size += r.bytes.length;
  }
  const head = n < 16 ? 1 : n < 0x10000 ? 3 : 5;
  const out = new Uint8Array(head + size);
  const view = new DataView(out.buffer);
  if (head === 1) out[0] = 0x90 | n;
  else if (head === 3) {
    out[0] = 0xdc;
    view.setUint16(1, n);
  } else {
    out[0] = 0xdd;
    view.setUint32(1, n);
  }
  let p = head;
  for (const r of runs) {
    out.set(r.bytes, p);
    p += r.bytes.length;
  }
  return out;
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
  const { bytes, count, idAt, idLen, sigAt, clock, owner, norm } = run;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ownerIdx = run.owners.map((o) => t.internOwner(o));
  // One growth of every column and of the id index, so the loop below never reallocates and the
  // column arrays read here stay the table's own.
  t.reserve(t.size + count);
  const sigs = t.sigs, norms = t.norms, clocks = t.clocks, owners = t.ownerIdx;
  const W = t.words;
  const B = (t.hashNum + 63) >>> 6;
  for (let i = 0; i < count; i++) {
    const id = decodeString(bytes, idAt[i]!, idLen[i]!);
    const hash = hashId(id);
    const c = clock[i]!;
    const o = ownerIdx[owner[i]!]!;
    let row = t.rowOfHashed(id, hash);
    if (row === undefined) row = t.appendRow(id, hash, o, c);
    else if (c >= clocks[row]!) {
      owners[row] = o;
      clocks[row] = c;
    } else continue;
    // uint64 blocks are big-endian on the wire: high word first.
    const off = row * W;
    const at = sigAt[i]!;
    for (let b = 0; b < B; b++) {
      sigs[off + 2 * b] = view.getUint32(at + b * 8 + 4);
      if (2 * b + 1 < W) sigs[off + 2 * b + 1] = view.getUint32(at + b * 8);
    }
    if (norms) norms[row] = norm![i]!;
  }
  let maxClock = -1;
  run.owners.forEach((name, o) => {
    const newest = run.ownerNewest[o]!;
    if (newest > maxClock) maxClock = newest;
    const had = t.versionClock.get(name);
    if (had === undefined || newest > had) t.versionClock.set(name, newest);
  });
  if (maxClock >= 0) t.clock = Math.max(t.clock, maxClock + 1);
}

/** The rows of a run as objects (status pages, tests); MIX itself never needs this. */
export function decodeRun(run: RowRun, hashNum: number, hasNorm: boolean): DiffRow[] {
  const view = new DataView(run.bytes.buffer, run.bytes.byteOffset, run.bytes.byteLength);
  const W = (hashNum + 31) >>> 5;
  const B = (hashNum + 63) >>> 6;
  const out: DiffRow[] = [];
  for (let i = 0; i < run.count; i++) {
    const sig = new Uint32Array(W);
    const at = run.sigAt[i]!;
    for (let b = 0; b < B; b++) {
      sig[2 * b] = view.getUint32(at + b * 8 + 4);
      if (2 * b + 1 < W) sig[2 * b + 1] = view.getUint32(at + b * 8);
    }
    out.push({
      id: decodeString(run.bytes, run.idAt[i]!, run.idLen[i]!),
      owner: run.owners[run.owner[i]!]!,
      clock: run.clock[i]!,
      sig,
      norm: hasNorm && run.norm ? run.norm[i]! : 0,
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
