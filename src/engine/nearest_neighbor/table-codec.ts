/**
 * The column table's two wire forms: the model-file form (spec §4.8, bit vectors as arrays of
 * uint64 integers) and the MIX diff form (spec §4.7, bit vectors as big-endian raw blocks), plus
 * put_diff's upsert-by-clock. Decoding builds new state and throws on any malformation, so
 * callers can swap only on success.
 */
import { MsgWriter } from '../../msgpack/writer.js';
import {
  MsgpackError, expectArray, expectBytes, expectMap, expectNumber, expectString, type MsgValue,
} from '../../msgpack/reader.js';
import { RowTable } from './table.js';

const BIT_VECTOR_TYPE = 10;
const DOUBLE_TYPE = 9;
const TWO32 = 4294967296;

// uint64 blocks at or above 2^53 are written as 0xcf + 8 bytes directly, avoiding a BigInt each.
const u64Scratch = new Uint8Array(9);
const u64View = new DataView(u64Scratch.buffer);
u64Scratch[0] = 0xcf;

function writeBlock(w: MsgWriter, hi: number, lo: number): void {
  if (hi < 0x200000) {
    w.int(hi * TWO32 + lo);
    return;
  }
  u64View.setUint32(1, hi);
  u64View.setUint32(5, lo);
  w.encoded(u64Scratch);
}

/** A uint64 from msgpack as (hi, lo), rejecting negatives and non-integers. */
function readBlock(v: MsgValue, what: string, out: Uint32Array, at: number, words: number): void {
  let hi: number, lo: number;
  if (typeof v === 'bigint') {
    if (v < 0n || v >= 1n << 64n) throw new MsgpackError(`${what}: block out of uint64 range`);
    hi = Number(v >> 32n);
    lo = Number(v & 0xffffffffn);
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
    hi = Math.floor(v / TWO32);
    lo = v >>> 0;
  } else {
    throw new MsgpackError(`${what}: expected a uint64 block`);
  }
  out[at] = lo;
  if (words > 1) out[at + 1] = hi;
}

function expectUint(v: MsgValue, what: string): number {
  const n = expectNumber(v, what);
  if (!Number.isInteger(n) || n < 0) throw new MsgpackError(`${what}: expected an unsigned integer`);
  return n;
}

/** Writes `[keys, tuples, versions, columns, clock, index]`. */
export function packTable(w: MsgWriter, t: RowTable): void {
  const n = t.size;
  const B = t.blocksPerRow;
  w.arrayHeader(6);
  w.arrayHeader(n);
  for (let i = 0; i < n; i++) w.str(t.ids[i]!);
  w.int(n);
  w.arrayHeader(n);
  for (let i = 0; i < n; i++) {
    w.arrayHeader(2);
    w.arrayHeader(1);
    w.str(t.owners[t.ownerIdx[i]!]!);
    w.int(t.clocks[i]!);
  }
  w.arrayHeader(t.norms ? 2 : 1);
  w.arrayHeader(2);
  w.arrayHeader(2);
  w.int(BIT_VECTOR_TYPE);
  w.int(t.hashNum);
  w.arrayHeader(n * B);
  for (let i = 0; i < n; i++) for (let b = 0; b < B; b++) writeBlock(w, t.blockHi(i, b), t.blockLo(i, b));
  if (t.norms) {
    w.arrayHeader(2);
    w.arrayHeader(2);
    w.int(DOUBLE_TYPE);
    w.int(0);
    w.arrayHeader(n);
    for (let i = 0; i < n; i++) w.float64(t.norms[i]!);
  }
  w.int(t.clock);
  w.mapHeader(n);
  for (let i = 0; i < n; i++) {
    w.str(t.ids[i]!);
    w.int(i);
  }
}

function expectColumnType(v: MsgValue, what: string, type: number, width: number): MsgValue[] {
  const col = expectArray(v, what, 2);
  const ty = expectArray(col[0]!, `${what} type`, 2);
  const got = [expectNumber(ty[0]!, `${what} type`), expectNumber(ty[1]!, `${what} width`)];
  if (got[0] !== type || got[1] !== width) {
    throw new MsgpackError(`${what}: column type [${got.join(', ')}] does not match this config's [${type}, ${width}]`);
  }
  return expectArray(col[1]!, `${what} values`);
}

/** Decodes a model-file table for a config with `hashNum` bits (and norms iff `hasNorm`). */
export function unpackTable(v: MsgValue, hashNum: number, hasNorm: boolean): RowTable {
  const parts = expectArray(v, 'nearest_neighbor table', 6);
  const keys = expectArray(parts[0]!, 'table keys');
  const n = keys.length;
  if (expectUint(parts[1]!, 'table tuples') !== n) throw new MsgpackError('table tuples does not match the key count');
  const versions = expectArray(parts[2]!, 'table versions', n);
  const columns = expectArray(parts[3]!, 'table columns', hasNorm ? 2 : 1);
  const t = new RowTable(hashNum, hasNorm, Math.max(1, n));
  const B = t.blocksPerRow;
  const blocks = expectColumnType(columns[0]!, 'bit_vector column', BIT_VECTOR_TYPE, hashNum);
  if (blocks.length !== n * B) throw new MsgpackError(`bit_vector column: expected ${n * B} blocks, got ${blocks.length}`);
  const norms = hasNorm ? expectColumnType(columns[1]!, 'norm column', DOUBLE_TYPE, 0) : null;
  if (norms && norms.length !== n) throw new MsgpackError(`norm column: expected ${n} values, got ${norms.length}`);
  for (let i = 0; i < n; i++) {
    const ver = expectArray(versions[i]!, 'row version', 2);
    const owner = expectString(expectArray(ver[0]!, 'row owner', 1)[0]!, 'row owner');
    const row = t.writeRaw(expectString(keys[i]!, 'row key'), t.internOwner(owner), expectUint(ver[1]!, 'row clock'));
    if (row !== i) throw new MsgpackError(`duplicate row key at ${i}`);
    for (let b = 0; b < B; b++) {
      const words = Math.min(2, t.words - 2 * b);
      readBlock(blocks[i * B + b]!, 'bit_vector column', t.sigs, i * t.words + 2 * b, words);
    }
    if (norms) t.norms![i] = expectNumber(norms[i]!, 'norm column');
  }
  t.clock = expectUint(parts[4]!, 'table clock');
  const index = expectMap(parts[5]!, 'table index');
  if (index.entries.length !== n) throw new MsgpackError('table index size does not match the key count');
  for (const [k, r] of index.entries) {
    if (t.rowOf(expectString(k, 'index key')) !== expectNumber(r, 'index row')) {
      throw new MsgpackError('table index disagrees with the key order');
    }
  }
  return t;
}

/** A row of a MIX diff, decoded. */
export interface DiffRow {
  id: string;
  owner: string;
  clock: number;
  sig: Uint32Array;
  norm: number;
}

/** Rows whose clock is newer than `vc[owner]` (or whose owner `vc` does not know). */
export function diffRows(t: RowTable, vc: ReadonlyMap<string, number> = t.versionClock): number[] {
  const out: number[] = [];
  // Resolve the version clock per owner once, not per row.
  const floor = t.owners.map((o) => vc.get(o) ?? -Infinity);
  for (let i = 0; i < t.size; i++) if (t.clocks[i]! > floor[t.ownerIdx[i]!]!) out.push(i);
  return out;
}

/** Writes the table diff `[[id, [[owner], clock], [[bit_num, raw], norm?]] …]`. */
export function packDiff(w: MsgWriter, t: RowTable, vc?: ReadonlyMap<string, number>): void {
  const rows = diffRows(t, vc);
  const fast = encodeDiffRows(t, rows);
  if (fast) {
    w.encoded(fast);
    return;
  }
  w.arrayHeader(rows.length);
  for (const i of rows) {
    writeDiffRow(w, t.ids[i]!, t.owners[t.ownerIdx[i]!]!, t.clocks[i]!, t.hashNum, t.sigs, i * t.words, t.words, t.norms ? t.norms[i]! : null);
  }
}

/** The table diff's bytes (what `packDiff` writes), for a caller that wraps them as raw. */
export function encodeTableDiff(t: RowTable, vc?: ReadonlyMap<string, number>): Uint8Array {
  const rows = diffRows(t, vc);
  const fast = encodeDiffRows(t, rows);
  if (fast) return fast;
  const w = new MsgWriter(1024);
  packDiff(w, t, vc);
  return w.toBytes();
}

/** Bytes of a non-negative integer in its smallest msgpack form (as MsgWriter.int writes it). */
function uintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

function rawHeaderSize(len: number): number {
  return len < 32 ? 1 : len < 0x10000 ? 3 : 5;
}

/**
 * The diff rows encoded in one pass over the typed columns into one exactly-sized buffer: the
 * per-row constant parts (owner, column headers) are encoded once, and the signature goes
 * straight into place. The bytes are those `writeDiffRow` writes; null when an id is not ASCII
 * (the caller then takes the general writer).
 */
function encodeDiffRows(t: RowTable, rows: readonly number[]): Uint8Array | null {
  const ownerBytes = t.owners.map((o) => {
    const w = new MsgWriter(64);
    w.arrayHeader(2);
    w.arrayHeader(1);
    w.str(o);
    return w.toBytes();
  });
  const hasNorm = t.norms !== null;
  const B = (t.hashNum + 63) >>> 6;
  const mid = new MsgWriter(16);
  mid.arrayHeader(hasNorm ? 2 : 1);
  mid.arrayHeader(2);
  mid.int(t.hashNum);
  const midBytes = mid.toBytes();
  const sigHdr = rawHeaderSize(B * 8);
  // Sizes first; an id that is not ASCII sends everything down the general path.
  const n = rows.length;
  let size = n < 16 ? 1 : n < 0x10000 ? 3 : 5;
  const fixed = 1 + midBytes.length + sigHdr + B * 8 + (hasNorm ? 9 : 0);
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    const id = t.ids[i]!;
    for (let c = 0; c < id.length; c++) if (id.charCodeAt(c) >= 0x80) return null;
    size += fixed + rawHeaderSize(id.length) + id.length + ownerBytes[t.ownerIdx[i]!]!.length + uintSize(t.clocks[i]!);
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let p = 0;
  if (n < 16) out[p++] = 0x90 | n;
  else if (n < 0x10000) {
    out[p++] = 0xdc;
    view.setUint16(p, n);
    p += 2;
  } else {
    out[p++] = 0xdd;
    view.setUint32(p, n);
    p += 4;
  }
  const sigs = t.sigs, W = t.words, clocks = t.clocks, norms = t.norms;
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    out[p++] = 0x93;
    const id = t.ids[i]!;
    const len = id.length;
    if (len < 32) out[p++] = 0xa0 | len;
    else if (len < 0x10000) {
      out[p++] = 0xda;
      view.setUint16(p, len);
      p += 2;
    } else {
      out[p++] = 0xdb;
      view.setUint32(p, len);
      p += 4;
    }
    for (let c = 0; c < len; c++) out[p++] = id.charCodeAt(c);
    const ob = ownerBytes[t.ownerIdx[i]!]!;
    out.set(ob, p);
    p += ob.length;
    const clock = clocks[i]!;
    if (clock < 0x80) out[p++] = clock;
    else if (clock < 0x100) {
      out[p++] = 0xcc;
      out[p++] = clock;
    } else if (clock < 0x10000) {
      out[p++] = 0xcd;
      view.setUint16(p, clock);
      p += 2;
    } else if (clock < 0x100000000) {
      out[p++] = 0xce;
      view.setUint32(p, clock);
      p += 4;
    } else {
      out[p++] = 0xcf;
      view.setUint32(p, Math.floor(clock / TWO32));
      view.setUint32(p + 4, clock >>> 0);
      p += 8;
    }
    for (let k = 0; k < midBytes.length; k++) out[p++] = midBytes[k]!;
    if (sigHdr === 1) out[p++] = 0xa0 | (B * 8);
    else {
      out[p++] = 0xda;
      view.setUint16(p, B * 8);
      p += 2;
    }
    // uint64 blocks big-endian: the odd (high) word first.
    const off = i * W;
    for (let b = 0; b < B; b++) {
      view.setUint32(p, 2 * b + 1 < W ? sigs[off + 2 * b + 1]! : 0);
      view.setUint32(p + 4, sigs[off + 2 * b]!);
      p += 8;
    }
    if (norms) {
      out[p++] = 0xcb;
      view.setFloat64(p, norms[i]!);
      p += 8;
    }
  }
  return out;
}

/** Writes decoded rows back in diff form (a MIX accumulator being sent on). */
export function writeDiffRows(w: MsgWriter, rows: readonly DiffRow[], hashNum: number, hasNorm: boolean): void {
  w.arrayHeader(rows.length);
  for (const r of rows) writeDiffRow(w, r.id, r.owner, r.clock, hashNum, r.sig, 0, r.sig.length, hasNorm ? r.norm : null);
}

let rawScratch = new Uint8Array(8);
// Kept with the scratch buffer: a DataView per row would be the diff writer's main garbage.
let rawView = new DataView(rawScratch.buffer);

function writeDiffRow(
  w: MsgWriter, id: string, owner: string, clock: number, hashNum: number,
  sigs: Uint32Array, off: number, words: number, norm: number | null,
): void {
  const B = (hashNum + 63) >>> 6;
  if (rawScratch.length !== B * 8) {
    rawScratch = new Uint8Array(B * 8);
    rawView = new DataView(rawScratch.buffer);
  }
  const view = rawView;
  w.arrayHeader(3);
  w.str(id);
  w.arrayHeader(2);
  w.arrayHeader(1);
  w.str(owner);
  w.int(clock);
  w.arrayHeader(norm === null ? 1 : 2);
  w.arrayHeader(2);
  w.int(hashNum);
  // uint64 blocks big-endian: the odd (high) word first.
  for (let b = 0; b < B; b++) {
    view.setUint32(b * 8, 2 * b + 1 < words ? sigs[off + 2 * b + 1]! : 0);
    view.setUint32(b * 8 + 4, sigs[off + 2 * b]!);
  }
  w.raw(rawScratch);
  if (norm !== null) w.float64(norm);
}

export function unpackDiff(v: MsgValue, hashNum: number, hasNorm: boolean): DiffRow[] {
  const W = (hashNum + 31) >>> 5;
  const B = (hashNum + 63) >>> 6;
  return expectArray(v, 'table diff').map((rv) => {
    const r = expectArray(rv, 'diff row', 3);
    const ver = expectArray(r[1]!, 'diff row version', 2);
    const cols = expectArray(r[2]!, 'diff row columns', hasNorm ? 2 : 1);
    const bv = expectArray(cols[0]!, 'diff bit_vector', 2);
    if (expectNumber(bv[0]!, 'diff bit_num') !== hashNum) throw new MsgpackError(`diff bit_num differs from hash_num ${hashNum}`);
    const raw = expectBytes(bv[1]!, 'diff bit_vector');
    if (raw.length !== B * 8) throw new MsgpackError(`diff bit_vector: expected ${B * 8} bytes, got ${raw.length}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const sig = new Uint32Array(W);
    for (let b = 0; b < B; b++) {
      sig[2 * b] = view.getUint32(b * 8 + 4);
      if (2 * b + 1 < W) sig[2 * b + 1] = view.getUint32(b * 8);
    }
    return {
      id: expectString(r[0]!, 'diff row id'),
      owner: expectString(expectArray(ver[0]!, 'diff row owner', 1)[0]!, 'diff row owner'),
      clock: expectUint(ver[1]!, 'diff row clock'),
      sig,
      norm: hasNorm ? expectNumber(cols[1]!, 'diff norm') : 0,
    };
  });
}

/**
 * put_diff / push: new ids are appended; known ids are overwritten (in place) when the incoming
 * clock is at least the local one, whoever the owner. The table clock moves past every incoming
 * clock and the version clock remembers the newest clock seen per owner.
 */
export function putDiff(t: RowTable, rows: readonly DiffRow[]): void {
  for (const d of rows) {
    const existing = t.rowOf(d.id);
    if (existing === undefined || d.clock >= t.clocks[existing]!) {
      const row = t.writeRaw(d.id, t.internOwner(d.owner), d.clock);
      t.sigs.set(d.sig, row * t.words);
      if (t.norms) t.norms[row] = d.norm;
    }
    t.clock = Math.max(t.clock, d.clock + 1);
    t.versionClock.set(d.owner, Math.max(t.versionClock.get(d.owner) ?? -Infinity, d.clock));
  }
}
