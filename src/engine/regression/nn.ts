/**
 * Nearest-neighbour regressions (engine spec §7): `NN` / `nearest_neighbor` over a
 * nearest_neighbor table (1.1.1's nearest_neighbor_regression) and the estimate rule shared with
 * the inverted-index ones (inverted.ts). Each example is a row with an id of 8 random
 * characters; its target sits in a values table under the same id.
 *
 * Config `parameter`: `method`, `parameter` (the NN method's), `nearest_neighbor_num` (≥ 1),
 * `weight` ("uniform" | "distance", optional), optional `unlearner` / `unlearner_parameter`.
 * Model `[unlearner?, table, values]`; MIX (linear and push): the table, then the values.
 */
import { ConfigError } from '../../errors.js';
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import { asObject, checkKeys, child, optString, reqInt, type JsonObject } from '../config-cast.js';
import { RowIdMaker } from '../common/row-id.js';
import { createUnlearner, parseUnlearnerConfig, type UnlearnerConfig } from '../common/unlearner.js';
import type { FeatureVector } from '../datum.js';
import type { PushMixable } from '../engine.js';
import type { LinearPart } from '../mixable.js';
import { parseNnParams } from '../nearest_neighbor/config.js';
import { NnRows } from '../nearest_neighbor/nn-rows.js';
import { composePush, type PushPart } from '../push-parts.js';
import { DoubleTable, doubleTablePart, doubleTablePushPart, type DoubleRow } from '../common/double-table.js';
import type { RegressionDriver } from './driver.js';

export type Weighting = 'uniform' | 'distance';

const INT32_MAX = 2147483647;
const DBL_EPSILON = 2.220446049250313e-16;

/** `nearest_neighbor_num` (int32 ≥ 1, `message` when not) and `weight` of a regression config. */
export function readNeighborParams(p: JsonObject, path: string, message: string): { k: number; weight: Weighting } {
  const k = reqInt(p, 'nearest_neighbor_num', path);
  if (k > INT32_MAX || k < -INT32_MAX - 1) throw new ConfigError(child(path, 'nearest_neighbor_num'), `must be an int32, got ${k}`);
  if (!(k >= 1)) throw new ConfigError(child(path, 'nearest_neighbor_num'), message);
  const w = optString(p, 'weight', path);
  if (w !== undefined && w !== 'uniform' && w !== 'distance') {
    throw new ConfigError(child(path, 'weight'), 'weight option must be distance or uniform');
  }
  return { k, weight: w === 'distance' ? 'distance' : 'uniform' };
}

/**
 * 1.1.1's estimate over neighbours given best first as (id, distance): uniform → mean of their
 * values; distance → Σ(v/d)/Σ(1/d), or, when the nearest is an exact match (`isExact`), the mean
 * of the leading exact matches; no neighbour → 0. A neighbour without a value reads as 0.
 */
export function estimateFrom(
  neighbors: ReadonlyArray<readonly [string, number]>, values: DoubleTable, weight: Weighting, isExact: (d: number) => boolean,
): number {
  if (neighbors.length === 0) return 0;
  let sum = 0;
  if (weight === 'uniform') {
    for (const [id] of neighbors) sum += values.get(id) ?? 0;
    return sum / neighbors.length;
  }
  let sumW = 0;
  if (isExact(neighbors[0]![1])) {
    for (const [id, d] of neighbors) {
      if (!isExact(d)) break;
      sum += values.get(id) ?? 0;
      sumW += 1.0;
    }
  } else {
    for (const [id, d] of neighbors) {
      const w = 1.0 / d;
      sum += w * (values.get(id) ?? 0);
      sumW += w;
    }
  }
  return sum / sumW;
}

/**
 * The target values (1.1.1's values column table: one double column, rows written with owner ""
 * as 1.1.1 does here).
 */
export function valuesTable(): DoubleTable {
  return new DoubleTable(1, 'values table');
}

/** Decodes a model file's values table; the returned function installs it (the version clock stays). */
export function unpackValues(values: DoubleTable, v: MsgValue): () => void {
  const t = DoubleTable.unpack(v, 1, 'values table');
  return () => values.adopt(t);
}

const putAll = (values: DoubleTable) => (rows: DoubleRow[]): void => {
  for (const r of rows) values.putRow(r);
};

/** The values table as its linear part (raw-wrapped rows, like every 1.1.1 versioned table). */
export function valuesLinearPart(values: DoubleTable): LinearPart<DoubleRow[]> {
  return doubleTablePart(() => values, putAll(values));
}

export function valuesPushPart(values: DoubleTable): PushPart {
  return doubleTablePushPart(() => values, putAll(values));
}

export class NnRegression implements RegressionDriver {
  readonly values = valuesTable();

  constructor(
    readonly rows: NnRows,
    readonly k: number,
    readonly weight: Weighting,
    unlearner?: UnlearnerConfig,
    readonly ids: RowIdMaker = new RowIdMaker(),
  ) {
    if (unlearner) {
      // A forgotten row leaves the table and the values (1.1.1's unlearning_callback).
      rows.unlearner = createUnlearner(unlearner, (id) => {
        rows.deleteRow(id);
        this.values.deleteRow(id);
      });
    }
  }

  train(target: number, fv: FeatureVector): void {
    const id = this.ids.next();
    const u = this.rows.unlearner;
    if (u && !u.touch(id)) throw new Error(`cannot add new ID as number of sticky IDs reached the maximum size of unlearner: ${id}`);
    this.rows.setRow(id, fv);
    this.values.add(id, '', [target]);
  }

  estimate(fv: FeatureVector): number {
    const near = this.rows.neighbors(fv, Math.min(this.k, this.rows.size));
    return estimateFrom(near, this.values, this.weight, (d) => d === 0);
  }

  clear(): void {
    this.rows.clear();
    this.values.clear();
    this.rows.unlearner?.clear();
  }

  status(): Record<string, string> {
    return { num_rows: String(this.rows.size), ...this.rows.unlearner?.status() };
  }

  pack(w: MsgWriter): void {
    const u = this.rows.unlearner;
    w.arrayHeader(u ? 3 : 2);
    u?.pack(w);
    this.rows.pack(w);
    this.values.pack(w);
  }

  unpack(v: MsgValue): () => void {
    const u = this.rows.unlearner;
    const a = expectArray(v, 'NN regression model', u ? 3 : 2);
    const at = u ? 1 : 0;
    const installUnlearner = u?.unpack(a[0]!);
    const installRows = this.rows.unpack(a[at]!);
    const installValues = unpackValues(this.values, a[at + 1]!);
    return () => {
      installUnlearner?.();
      installRows();
      installValues();
    };
  }

  linearParts(): LinearPart<unknown>[] {
    return [this.rows.linearPart(), valuesLinearPart(this.values)];
  }

  pushMixable(): PushMixable {
    return composePush('regression', [this.rows.pushPart(), valuesPushPart(this.values)]);
  }
}

export function makeNnRegression(parameter: unknown): NnRegression {
  if (parameter === undefined || parameter === null) throw new ConfigError('parameter', 'parameter block is not specified in config');
  const p = asObject(parameter, 'parameter');
  checkKeys(p, ['method', 'parameter', 'nearest_neighbor_num', 'weight', 'unlearner', 'unlearner_parameter'], 'parameter');
  const params = parseNnParams(p, 'parameter');
  const { k, weight } = readNeighborParams(p, 'parameter', 'nearest_neighbor_num should >= 1');
  return new NnRegression(new NnRows(params), k, weight, parseUnlearnerConfig(p, 'parameter'));
}

export { DBL_EPSILON };
