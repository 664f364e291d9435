/**
 * Row signatures of the recommender's bit methods (1.1.1's `bit_index_storage`, engine spec
 * §5.4), column-wise: ids in one array with a Map to the row index, signatures in one growable
 * Uint32Array (`words` per row), and per row whether the last MIX's master holds it and whether
 * it changed since (the diff). Rows removed locally that the master holds are remembered until
 * the next MIX, which sends them as 0-bit vectors (a removal).
 *
 * Wire/model form of a bit vector: `[bit_num, raw]`, raw = uint64 blocks, each big-endian.
 */
import { MsgpackError, expectArray, expectBytes, expectMap, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { wordsFor } from '../nearest_neighbor/signature.js';

const MASTER = 1;
const DIFF = 2;

export class BitTable {
  readonly words: number;
  ids: string[] = [];
  index = new Map<string, number>();
  sigs: Uint32Array;
  flags: Uint8Array;
  /** Rows removed here that the master still has: sent as removals by the next MIX. */
  removed = new Set<string>();

  constructor(readonly hashNum: number) {
    this.words = wordsFor(hashNum);
    this.sigs = new Uint32Array(64 * this.words);
    this.flags = new Uint8Array(64);
  }

  get size(): number {
    return this.ids.length;
  }

  private grow(): void {
    const sigs = new Uint32Array(this.sigs.length * 2);
    sigs.set(this.sigs);
    this.sigs = sigs;
    const flags = new Uint8Array(this.flags.length * 2);
    flags.set(this.flags);
    this.flags = flags;
  }

  /** Stores a signature (`sig` at `off`) for `id`; `mixed` rows come from a MIX (master). */
  set(id: string, sig: Uint32Array, off: number, mixed = false): void {
    let r = this.index.get(id);
    if (r === undefined) {
      r = this.ids.length;
      if (r >= this.flags.length) this.grow();
      this.ids.push(id);
      this.index.set(id, r);
      this.flags[r] = 0;
    }
    const W = this.words;
    for (let w = 0; w < W; w++) this.sigs[r * W + w] = sig[off + w]!;
    if (mixed) this.flags[r] = MASTER;
    else {
      // A row removed here and set again is still in the master (its removal was never mixed).
      const inMaster = this.removed.delete(id) ? MASTER : 0;
      this.flags[r] = this.flags[r]! | DIFF | inMaster;
    }
  }

  /** Removes a row (the last row moves into its slot); a master row is remembered for MIX. */
  remove(id: string, mixed = false): boolean {
    const r = this.index.get(id);
    if (r === undefined) return false;
    if (!mixed && this.flags[r]! & MASTER) this.removed.add(id);
    const last = this.ids.length - 1;
    const W = this.words;
    if (r !== last) {
      const lastId = this.ids[last]!;
      this.ids[r] = lastId;
      this.index.set(lastId, r);
      this.sigs.copyWithin(r * W, last * W, last * W + W);
      this.flags[r] = this.flags[last]!;
    }
    this.ids.pop();
    this.index.delete(id);
    return true;
  }

  clear(): void {
    this.ids = [];
    this.index = new Map();
    this.sigs = new Uint32Array(64 * this.words);
    this.flags = new Uint8Array(64);
    this.removed = new Set();
  }

  /**
   * The `k` rows with the most matching bits with `q` (at `qOff`), ties by the larger id
   * (byte order), best first; score = matches / hashNum.
   */
  similar(q: Uint32Array, qOff: number, k: number): Array<[string, number]> {
    const n = this.ids.length;
    if (k <= 0 || n === 0) return [];
    const H = this.hashNum;
    const W = this.words;
    const sigs = this.sigs;
    const matches = new Int32Array(n);
    const hist = new Int32Array(H + 1);
    for (let r = 0; r < n; r++) {
      let diff = 0;
      const base = r * W;
      for (let w = 0; w < W; w++) diff += popcount((sigs[base + w]! ^ q[qOff + w]!) >>> 0);
      const m = H - diff;
      matches[r] = m;
      hist[m]!++;
    }
    // The lowest match count that still makes the top k.
    let threshold = H;
    let taken = 0;
    for (; threshold > 0; threshold--) {
      taken += hist[threshold]!;
      if (taken >= k) break;
    }
    const picked: number[] = [];
    for (let r = 0; r < n; r++) if (matches[r]! >= threshold) picked.push(r);
    const ids = this.ids;
    picked.sort((a, b) => matches[b]! - matches[a]! || (ids[a]! < ids[b]! ? 1 : ids[a]! > ids[b]! ? -1 : 0));
    const out: Array<[string, number]> = [];
    for (let i = 0; i < picked.length && i < k; i++) out.push([ids[picked[i]!]!, matches[picked[i]!]! / H]);
    return out;
  }

  // ---- model file: `[master {id: bv}, diff {id: bv}]` ----

  pack(w: MsgWriter): void {
    w.arrayHeader(2);
    const master: number[] = [];
    const diff: number[] = [];
    for (let r = 0; r < this.ids.length; r++) {
      if (this.flags[r]! & MASTER) master.push(r);
      if (this.flags[r]! & DIFF || !(this.flags[r]! & MASTER)) diff.push(r);
    }
    w.mapHeader(master.length);
    for (const r of master) {
      w.str(this.ids[r]!);
      this.writeBits(w, r);
    }
    w.mapHeader(diff.length + this.removed.size);
    for (const r of diff) {
      w.str(this.ids[r]!);
      this.writeBits(w, r);
    }
    for (const id of this.removed) writeEmptyBits(w, id);
  }

  /** `[bit_num, raw]` of row `r`. */
  writeBits(w: MsgWriter, r: number): void {
    w.arrayHeader(2);
    w.int(this.hashNum);
    w.raw(sigBytes(this.sigs, r * this.words, this.hashNum));
  }

  /** Decodes a packed table into a fresh one (returned; the caller installs it). */
  static unpack(v: MsgValue, hashNum: number): BitTable {
    const a = expectArray(v, 'bit_index_storage', 2);
    const t = new BitTable(hashNum);
    const sig = new Uint32Array(t.words);
    const read = (m: MsgValue, what: string, mixed: boolean): void => {
      for (const [k, bv] of expectMap(m, what).entries) {
        const id = expectString(k, `${what} row id`);
        if (!readBits(bv, hashNum, sig, what)) {
          if (!mixed) t.removed.add(id);
          t.remove(id, true);
          continue;
        }
        t.set(id, sig, 0, mixed);
      }
    };
    read(a[0]!, 'bit_index_storage master', true);
    read(a[1]!, 'bit_index_storage diff', false);
    return t;
  }
}

/** Reads `[bit_num, raw]` into `out`; false for a 0-bit vector (a removal). */
export function readBits(v: MsgValue, hashNum: number, out: Uint32Array, what: string): boolean {
  const bv = expectArray(v, `${what} bit vector`, 2);
  const bits = expectNumber(bv[0]!, `${what} bit_num`);
  const raw = expectBytes(bv[1]!, `${what} bits`);
  if (bits === 0) return false;
  if (bits !== hashNum) throw new MsgpackError(`${what}: bit_num ${bits} differs from hash_num ${hashNum}`);
  const blocks = Math.ceil(hashNum / 64);
  if (raw.length !== blocks * 8) throw new MsgpackError(`${what}: ${raw.length} bytes for ${hashNum} bits`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const W = out.length;
  for (let b = 0; b < blocks; b++) {
    out[2 * b] = view.getUint32(b * 8 + 4);
    if (2 * b + 1 < W) out[2 * b + 1] = view.getUint32(b * 8);
  }
  return true;
}

/** uint64 blocks of a signature, each big-endian (high word first). */
export function sigBytes(sigs: Uint32Array, off: number, hashNum: number): Uint8Array {
  const blocks = Math.ceil(hashNum / 64);
  const W = wordsFor(hashNum);
  const out = new Uint8Array(blocks * 8);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    view.setUint32(b * 8 + 4, sigs[off + 2 * b]!);
    view.setUint32(b * 8, 2 * b + 1 < W ? sigs[off + 2 * b + 1]! : 0);
  }
  return out;
}

export function writeEmptyBits(w: MsgWriter, id: string): void {
  w.str(id);
  w.arrayHeader(2);
  w.int(0);
  w.raw(new Uint8Array(0));
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
