/**
 * What the anomaly engine (service.ts) needs from one LOF method: `light_lof` over a
 * nearest_neighbor table (light-lof.ts) and `lof` over a recommender (lof.ts). The engine owns
 * the converter, the weight manager and the ids; a method owns its tables and says how it packs
 * and mixes (1.1.1's anomaly_base).
 */
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { FeatureVector } from '../datum.js';
import type { LinearPart } from '../mixable.js';
import type { PushPart } from '../push-parts.js';

export type Row = [id: string, fv: FeatureVector];

export interface AnomalyDriver {
  /** The `storage` status key: "lof" or "light_lof". */
  readonly type: string;
  /** lof: add merges (update); light_lof: add overwrites (set_row). */
  readonly updatable: boolean;
  /** The score a query would get (never stores). */
  scoreOfFv(fv: FeatureVector): number;
  /** The score of a stored row, itself left out of its neighbours. */
  scoreOfId(id: string): number;
  /** The score of row `id` merged with `fv`, without storing (lof only). */
  scoreOfIdWith(id: string, fv: FeatureVector): number;
  clear(): void;
  clearRow(id: string): void;
  /** Merges `fv` into row `id`; false when ignore_kth_same_point rejected it. */
  updateRow(id: string, fv: FeatureVector): boolean;
  updateBulk(rows: readonly Row[]): string[];
  /** Replaces row `id`; false when ignore_kth_same_point rejected it. */
  setRow(id: string, fv: FeatureVector): boolean;
  setBulk(rows: readonly Row[]): string[];
  allRows(): string[];
  status(): Record<string, string>;
  /** The method's part of the model file (first element of `[method, weight_manager]`). */
  pack(w: MsgWriter): void;
  /** Checks a packed method part; the returned function installs it. */
  unpack(v: MsgValue): () => void;
  /** Linear mixables in 1.1.1's registration order (the weight manager follows them). */
  linearParts(): LinearPart<unknown>[];
  /** Push mixables (light_lof's versioned tables); undefined when the method has none. */
  pushParts(): PushPart[] | undefined;
}

/** 1.1.1's common::unsupported_method, with the C++ function name it reports. */
export class UnsupportedMethodError extends Error {
  constructor(name: string) {
    super(`unsupported method (${name})`);
    this.name = 'UnsupportedMethodError';
  }
}

/**
 * LOF of a query from its LRD and its neighbours' LRDs (1.1.1's calculate_lof): no neighbour →
 * 1 when lrd is 0, else +∞; both sums infinite → 1; otherwise mean neighbour LRD / lrd.
 * `neighborLrds` are summed in the order given.
 */
export function lofScore(lrd: number, neighborLrds: readonly number[]): number {
  if (neighborLrds.length === 0) return lrd === 0 ? 1 : Infinity;
  let sum = 0;
  for (const x of neighborLrds) sum += x;
  if (sum === Infinity && lrd === Infinity) return 1;
  return sum / (neighborLrds.length * lrd);
}

/**
 * Drops the query's own id from an id query's neighbours as 1.1.1 does: the first match is
 * swapped with the last entry and popped (which reorders the list).
 */
export function dropSelf(neighbors: Array<[string, number]>, id: string): Array<[string, number]> {
  for (let i = 0; i < neighbors.length; i++) {
    if (neighbors[i]![0] === id) {
      const last = neighbors.length - 1;
      [neighbors[i], neighbors[last]] = [neighbors[last]!, neighbors[i]!];
      neighbors.pop();
      break;
    }
  }
  return neighbors;
}
