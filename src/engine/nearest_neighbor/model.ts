/**
 * The nearest_neighbor model on feature vectors: signing rows into the column table and ranking
 * queries with each method's score semantics (spec §4.4, §4.5). The converter and RPC shapes live
 * in service.ts; this layer is what unit tests and MIX drive directly.
 */
import type { FeatureVector } from '../datum.js';
import type { NnParams } from './config.js';
import { ProjectionCache, defaultCacheKeys } from './projection-cache.js';
import { cosTable, rankQuery, type Ranked } from './search.js';
import { LshSigner, MinhashSigner, l2norm, wordsFor } from './signature.js';
import { RowTable } from './table.js';
import { unpackTable } from './table-codec.js';
import type { MsgValue } from '../../msgpack/reader.js';

export type IdWithScore = [string, number];

/** A query ready to rank: `model.query` holds its signature until the next query is prepared. */
export interface PreparedQuery {
  norm: number;
  k: number;
}

interface Signer {
  signInto(fv: FeatureVector, out: Uint32Array, off: number): void;
}

export class NearestNeighborModel {
  table: RowTable;
  readonly hashNum: number;
  readonly hasNorm: boolean;
  readonly cache: ProjectionCache | null;
  private readonly signer: Signer;
  /** The prepared query's signature (queryFromId/queryFromFv). */
  readonly query: Uint32Array;
  readonly cos: Float64Array | null;
  private ownerIdx: number;

  constructor(
    readonly params: NnParams,
    readonly owner: string,
  ) {
    this.hashNum = params.hashNum;
    this.hasNorm = params.method === 'euclid_lsh';
    this.table = new RowTable(this.hashNum, this.hasNorm);
    this.ownerIdx = this.table.internOwner(owner);
    this.query = new Uint32Array(wordsFor(this.hashNum));
    if (params.method === 'minhash') {
      this.cache = null;
      this.signer = new MinhashSigner(this.hashNum);
    } else {
      const keys = params.cacheSize > 0 ? params.cacheSize : defaultCacheKeys(this.hashNum);
      this.cache = new ProjectionCache(this.hashNum, keys);
      this.signer = new LshSigner(this.hashNum, this.cache);
    }
    this.cos = this.hasNorm ? cosTable(this.hashNum) : null;
  }

  get size(): number {
    return this.table.size;
  }

  /** Inserts or overwrites (in place, keeping the row index) the row `id`. */
  setRow(id: string, fv: FeatureVector): void {
    const q = this.query;
    this.signer.signInto(fv, q, 0);
    const t = this.table;
    const row = t.slotFor(id);
    t.sigs.set(q, row * t.words);
    if (t.norms) t.norms[row] = l2norm(fv);
    t.stamp(row, this.ownerIdx);
  }

  /**
   * Decodes a model file's table (throws, changing nothing, when it is malformed); the returned
   * function installs it. The MIX version clock belongs to the mixable, not the table, so it
   * survives the replacement (load, MIX catch-up), as in Jubatus.
   */
  unpackTable(v: MsgValue): () => void {
    const table = unpackTable(v, this.hashNum, this.hasNorm);
    return () => {
      for (const [owner, clock] of this.table.versionClock) table.versionClock.set(owner, clock);
      this.replaceTable(table);
    };
  }

  /** Swaps in a table built elsewhere (model load); the owner index is re-interned there. */
  replaceTable(t: RowTable): void {
    this.table = t;
    this.ownerIdx = t.internOwner(this.owner);
  }

  clear(): void {
    this.table.clear();
    this.ownerIdx = this.table.internOwner(this.owner);
  }

  /**
   * Prepares the query of row `id` (its signature copied into `query`: ranking reads the table,
   * and the query must not alias a row a later write could change); null when `id` is unknown.
   */
  queryFromId(id: string, k: number): PreparedQuery | null {
    const t = this.table;
    const row = t.rowOf(id);
    if (row === undefined) return null;
    this.query.set(t.sigs.subarray(row * t.words, (row + 1) * t.words));
    return { norm: t.norms ? t.norms[row]! : 0, k };
  }

  /** Prepares the query of a feature vector; null when nothing can rank (k ≤ 0, empty table). */
  queryFromFv(fv: FeatureVector, k: number): PreparedQuery | null {
    if (k <= 0 || this.table.size === 0) return null;
    this.signer.signInto(fv, this.query, 0);
    return { norm: this.hasNorm ? l2norm(fv) : 0, k };
  }

  /** Ranks the prepared query here, on the table's own thread. */
  rank(p: PreparedQuery | null): Ranked {
    return p ? rankQuery(this.table, this.cos, this.query, p.norm, p.k) : { rows: [], scores: [] };
  }

  /** Distances ascending: h/H for lsh/minhash, the estimated Euclidean distance for euclid_lsh. */
  distances(r: Ranked): IdWithScore[] {
    const ids = this.table.ids;
    const out = new Array<IdWithScore>(r.rows.length);
    const H = this.hashNum;
    for (let i = 0; i < out.length; i++) {
      const s = r.scores[i]!;
      out[i] = [ids[r.rows[i]!]!, this.cos ? s : s / H];
    }
    return out;
  }

  /** Similarities in the same order: 1 − h/H, or −distance for euclid_lsh (self match → −0). */
  similarities(r: Ranked): IdWithScore[] {
    const out = this.distances(r);
    for (const p of out) p[1] = this.cos ? -p[1] : 1 - p[1];
    return out;
  }

  neighborRowFromId(id: string, size: number): IdWithScore[] {
    return this.distances(this.rank(this.queryFromId(id, size)));
  }

  neighborRowFromFv(fv: FeatureVector, size: number): IdWithScore[] {
    return this.distances(this.rank(this.queryFromFv(fv, size)));
  }

  similarRowFromId(id: string, size: number): IdWithScore[] {
    return this.similarities(this.rank(this.queryFromId(id, size)));
  }

  similarRowFromFv(fv: FeatureVector, size: number): IdWithScore[] {
    return this.similarities(this.rank(this.queryFromFv(fv, size)));
  }

  allRows(): string[] {
    return this.table.ids.slice(0, this.table.size);
  }
}
