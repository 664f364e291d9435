/**
 * The seam between `lof` and a recommender (1.1.1's lof runs over recommender_base): what the
 * LOF machinery needs from a recommender method, and the table of methods that can provide it.
 *
 * Every recommender method has an entry in LOF_RECOMMENDERS (a maker that parses the method's
 * `parameter` block and builds a LofRecommender): the recommender engine's model, adapted in
 * lof-over-recommender.ts. A method named but missing from a table (tests pass their own) fails
 * with `parameter.method: recommender method "X" is not available yet`.
 */
import { ConfigError } from '../../errors.js';
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { FeatureVector } from '../datum.js';
import type { LinearPart } from '../mixable.js';
import { lofRecommenderOf } from './lof-over-recommender.js';

/** `[id, distance]`, nearest first. */
export type Neighbor = [id: string, distance: number];

export interface LofRecommender {
  /**
   * neighbor_row(id, size): the `size` stored rows nearest to stored row `id`, by the method's
   * distance (1 − cos, Hamming fraction, Euclidean…), ascending, the row itself included
   * (normally first, at distance 0). An unknown id queries as its (empty) stored row, as 1.1.1
   * does: no rows for most methods, every row by norm for inverted_index_euclid and
   * nearest_neighbor_recommender.
   */
  neighborRowFromId(id: string, size: number): Neighbor[];
  /** neighbor_row(query, size): the same for a converted query (never stored). */
  neighborRowFromFv(fv: FeatureVector, size: number): Neighbor[];
  /** decode_row: the stored (merged) vector of `id`; empty when unknown. */
  decodeRow(id: string): FeatureVector;
  /** update_row: merges `fv` into row `id` (same keys overwritten, others kept), creating it. */
  updateRow(id: string, fv: FeatureVector): void;
  /** clear_row: forgets row `id` (no-op when unknown). */
  clearRow(id: string): void;
  clear(): void;
  /** get_all_row_ids. */
  allRows(): string[];
  /** The recommender's model-file form (the last element of lof's `[unlearner?, lof_storage, recommender]`). */
  pack(w: MsgWriter): void;
  /** Checks a packed recommender; the returned function installs it. */
  unpack(v: MsgValue): () => void;
  /** The recommender's linear mixable (1.1.1's `get_mixable()`), registered after lof_storage. */
  linearPart(): LinearPart<unknown>;
}

/**
 * Builds a recommender for lof from the method's `parameter` block (JSON as given, possibly
 * undefined); throws ConfigError naming keys under `path` (`parameter.parameter`). `owner` is
 * this server's ip_port (1.1.1 passes it to the recommender factory).
 */
export type LofRecommenderMaker = (parameter: unknown, path: string, owner: string) => LofRecommender;

/** The recommender methods 1.1.1's lof accepts (recommender_factory). */
export const RECOMMENDER_METHODS = [
  'inverted_index', 'inverted_index_euclid', 'lsh', 'minhash', 'euclid_lsh', 'nearest_neighbor_recommender',
] as const;

/** Methods that can back lof: all of them, over the recommender engine's model. */
export const LOF_RECOMMENDERS: Record<string, LofRecommenderMaker> = Object.fromEntries(
  RECOMMENDER_METHODS.map((m) => [m, lofRecommenderOf(m)]),
);

/** The recommender for `method`, or a ConfigError naming `parameter.method`. */
export function makeLofRecommender(
  method: string, parameter: unknown, owner: string, makers: Readonly<Record<string, LofRecommenderMaker>> = LOF_RECOMMENDERS,
): LofRecommender {
  const make = makers[method];
  if (make) return make(parameter, 'parameter.parameter', owner);
  if ((RECOMMENDER_METHODS as readonly string[]).includes(method)) {
    throw new ConfigError('parameter.method', `recommender method "${method}" is not available yet`);
  }
  throw new ConfigError('parameter.method', `unsupported method (${method}): expected a recommender method (${RECOMMENDER_METHODS.join(', ')})`);
}
