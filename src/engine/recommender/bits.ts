/**
 * The bit-signature recommenders `lsh` and `minhash` (engine spec §8.2): each row's signature
 * is computed over the whole merged row (orig, feature-id order) with the nearest_neighbor
 * signers (§4.4), queries rank rows by matching bits / hash_num, ties by the larger id. Model
 * part: bit_index_storage `[master, diff]`; MIX: the diff `{id: [bit_num, raw]}` (0 bits = a
 * removal), incoming rows overwrite on fold, put_diff upserts into the master.
 */
import { expectMap, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { FeatureVector } from '../datum.js';
import type { RowUnlearner } from '../inverted_index/diff.js';
import type { LinearPart } from '../mixable.js';
import { ProjectionCache, defaultCacheKeys } from '../nearest_neighbor/projection-cache.js';
import { LshSigner, MinhashSigner, wordsFor } from '../nearest_neighbor/signature.js';
import { BitTable, readBits, sigBytes, writeEmptyBits } from './bit-table.js';
import type { RecommenderDriver, ScoredRow } from './driver.js';

/** id → signature, or null for a removal. */
export type BitDiff = Map<string, Uint32Array | null>;

interface Signer {
  signInto(fv: FeatureVector, out: Uint32Array, off: number): void;
}

export class BitRecommender implements RecommenderDriver {
  table: BitTable;
  private readonly signer: Signer;
  private readonly sig: Uint32Array;

  constructor(
    readonly method: 'lsh' | 'minhash',
    readonly hashNum: number,
    cacheSize: number,
    private readonly unlearner: () => RowUnlearner | undefined,
  ) {
    this.table = new BitTable(hashNum);
    this.sig = new Uint32Array(wordsFor(hashNum));
    this.signer = method === 'minhash'
      ? new MinhashSigner(hashNum)
      : new LshSigner(hashNum, new ProjectionCache(hashNum, cacheSize > 0 ? cacheSize : defaultCacheKeys(hashNum)));
  }

  updateRow(id: string, _diff: FeatureVector, row: () => FeatureVector): void {
    this.signer.signInto(row(), this.sig, 0);
    this.table.set(id, this.sig, 0);
  }

  removeRow(id: string): void {
    this.table.remove(id);
  }

  clear(): void {
    this.table.clear();
  }

  similar(fv: FeatureVector, k: number): ScoredRow[] {
    if (k <= 0) return [];
    this.signer.signInto(fv, this.sig, 0);
    return this.table.similar(this.sig, 0, k);
  }

  similarFromId(id: string, k: number): ScoredRow[] {
    const r = this.table.index.get(id);
    if (r === undefined || k <= 0) return [];
    const W = this.table.words;
    this.sig.set(this.table.sigs.subarray(r * W, r * W + W));
    return this.table.similar(this.sig, 0, k);
  }

  allRowIds(): string[] {
    return this.table.ids.slice();
  }

  pack(w: MsgWriter): void {
    this.table.pack(w);
  }

  unpack(v: MsgValue): () => void {
    const t = BitTable.unpack(v, this.hashNum);
    return () => {
      this.table = t;
    };
  }

  status(): Record<string, string> {
    return {};
  }

  // ---- MIX ----

  getDiff(): BitDiff {
    const d: BitDiff = new Map();
    const t = this.table;
    const W = t.words;
    for (let r = 0; r < t.size; r++) if (t.flags[r]! & 2) d.set(t.ids[r]!, t.sigs.slice(r * W, r * W + W));
    for (const id of t.removed) d.set(id, null);
    return d;
  }

  writeDiff(w: MsgWriter, d: BitDiff): void {
    w.mapHeader(d.size);
    for (const [id, sig] of d) {
      if (!sig) {
        writeEmptyBits(w, id);
        continue;
      }
      w.str(id);
      w.arrayHeader(2);
      w.int(this.hashNum);
      w.raw(sigBytes(sig, 0, this.hashNum));
    }
  }

  readDiff(v: MsgValue): BitDiff {
    const d: BitDiff = new Map();
    for (const [k, bv] of expectMap(v, 'bit_index_storage diff').entries) {
      const id = expectString(k, 'bit_index_storage diff row id');
      const sig = new Uint32Array(this.table.words);
      d.set(id, readBits(bv, this.hashNum, sig, 'bit_index_storage diff') ? sig : null);
    }
    return d;
  }

  putDiff(d: BitDiff): boolean {
    const u = this.unlearner();
    const t = this.table;
    for (const [id, sig] of d) {
      if (!sig) {
        u?.remove(id);
        t.remove(id, true);
        continue;
      }
      if (u) {
        if (!u.canTouch(id)) continue;
        u.touch(id);
      }
      t.set(id, sig, 0, true);
    }
    // Removals made here since get_diff that the mixed diff does not carry stay for next time.
    const keep = [...t.removed].filter((id) => !(d.has(id) && d.get(id) === null));
    t.removed = new Set(keep);
    for (let r = 0; r < t.size; r++) t.flags[r] = 1;
    return true;
  }

  linearPart(): LinearPart<BitDiff> {
    return {
      packDiff: (w) => this.writeDiff(w, this.getDiff()),
      unpackDiff: (v) => this.readDiff(v),
      mixDiff: (acc, incoming) => {
        for (const [id, sig] of incoming) acc.set(id, sig);
        return acc;
      },
      writeDiff: (w, d) => this.writeDiff(w, d),
      putDiff: (d) => this.putDiff(d),
    };
  }
}
