/**
 * The nearest-neighbour classifier, `NN` / `nearest_neighbor` (engine spec §6.4; 1.1.1's
 * nearest_neighbor_classifier). Each example is a row of a nearest_neighbor table (lsh, minhash
 * or euclid_lsh) with id `label_` + 8 random characters; classify finds the k nearest rows by
 * distance and scores each known label Σ exp(−α·distance) over its rows among them.
 *
 * Config `parameter`: `method`, `parameter` (the NN method's), `nearest_neighbor_num`,
 * `local_sensitivity` (α ≥ 0), optional `unlearner` / `unlearner_parameter` (per row).
 * Model `[unlearner?, table, labels]`; MIX: the table only (linear and push); after every
 * put_diff or push the label counts are recounted from the row ids, keeping labels without rows.
 */
import { ConfigError } from '../../errors.js';
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asNumber, asObject, checkKeys, child, reqInt, type JsonObject } from '../config-cast.js';
import { RowIdMaker, labelOfRowId } from '../common/row-id.js';
import { createUnlearner, parseUnlearnerConfig, type Unlearner, type UnlearnerConfig } from '../common/unlearner.js';
import type { FeatureVector } from '../datum.js';
import type { PushMixable } from '../engine.js';
import { compareUtf8, sortAndMerge } from '../fv/sort-merge.js';
import type { LinearPart } from '../mixable.js';
import { parseNnParams } from '../nearest_neighbor/config.js';
import { NnRows } from '../nearest_neighbor/nn-rows.js';
import { composePush } from '../push-parts.js';
import type { ClassifierDriver, DriverContext } from './driver.js';
import type { LabelCounts, Labels } from './labels.js';

const INT32_MAX = 2147483647;

/** A float32 config value (1.1.1 reads `local_sensitivity` as float). */
export function readFloat32(obj: JsonObject, key: string, path: string): number {
  if (!Object.prototype.hasOwnProperty.call(obj, key) || obj[key] === null) throw new ConfigError(child(path, key), 'required key is missing');
  return Math.fround(asNumber(obj[key], child(path, key)));
}

/** An int32 config value. */
export function readInt32(obj: JsonObject, key: string, path: string): number {
  const n = reqInt(obj, key, path);
  if (n > INT32_MAX || n < -INT32_MAX - 1) throw new ConfigError(child(path, key), `must be an int32, got ${n}`);
  return n;
}

/** Σ exp(−α·distance) per label, every known label present (0 when none of its rows is near), sorted by label. */
export function labelScores(labels: Labels, neighbors: ReadonlyArray<readonly [string, number]>, term: (score: number) => number): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const label of labels.all().keys()) m.set(label, 0);
  for (const [id, score] of neighbors) {
    const label = labelOfRowId(id);
    m.set(label, (m.get(label) ?? 0) + term(score));
  }
  // 1.1.1 collects them in a std::map<std::string, double>: UTF-8 byte order.
  return [...m].sort((a, b) => compareUtf8(a[0], b[0]));
}

export class NnClassifier implements ClassifierDriver {
  readonly mixesLabels = false;
  readonly rows: NnRows;
  readonly packPrefix?: { pack(w: MsgWriter): void; unpack(v: MsgValue): () => void };

  constructor(
    rows: NnRows,
    /** k: a negative count reads as unbounded, as 1.1.1's size_t conversion does. */
    readonly k: number,
    readonly alpha: number,
    private readonly labels: Labels,
    unlearner?: UnlearnerConfig,
    readonly ids: RowIdMaker = new RowIdMaker(),
  ) {
    this.rows = rows;
    if (unlearner) {
      // A forgotten row leaves the table and its label's count (1.1.1's unlearning_callback).
      rows.unlearner = createUnlearner(unlearner, (id) => {
        rows.deleteRow(id);
        labels.decrement(labelOfRowId(id));
      });
      this.packPrefix = rows.unlearner;
    }
  }

  private get unlearner(): Unlearner | undefined {
    return this.rows.unlearner;
  }

  train(label: string, fv: FeatureVector): void {
    const id = this.ids.next(`${label}_`);
    if (this.unlearner && !this.unlearner.touch(id)) {
      throw new Error(`cannot add new ID as number of sticky IDs reached the maximum size of unlearner: ${id}`);
    }
    // 1.1.1's classifier driver sorts and merges a training vector (not a query) before the method sees it.
    this.rows.setRow(id, sortAndMerge(fv));
  }

  classify(fv: FeatureVector): Array<[string, number]> {
    const k = this.k < 0 ? Number.MAX_SAFE_INTEGER : this.k;
    const near = this.rows.neighbors(fv, Math.min(k, this.rows.size));
    const a = this.alpha;
    return labelScores(this.labels, near, (d) => Math.exp(-a * d));
  }

  labelAdded(): void {}

  /** Deletes every row of the label (the engine then drops its count). */
  deleteLabel(label: string): boolean {
    for (const id of this.rows.ids()) {
      if (labelOfRowId(id) !== label) continue;
      this.rows.deleteRow(id);
      this.unlearner?.remove(id);
    }
    return true;
  }

  clear(): void {
    this.rows.clear();
    this.unlearner?.clear();
  }

  status(): Record<string, string> {
    return { num_rows: String(this.rows.size), ...this.unlearner?.status() };
  }

  pack(w: MsgWriter): void {
    this.rows.pack(w);
  }

  unpack(v: MsgValue): () => void {
    return this.rows.unpack(v);
  }

  /** 1.1.1's regenerate_label_counter: every known label kept at 0, then one per row. */
  private recount(): void {
    const counts: LabelCounts = new Map();
    for (const label of this.labels.all().keys()) counts.set(label, 0);
    for (const id of this.rows.ids()) {
      const label = labelOfRowId(id);
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    this.labels.replaceAll(counts);
  }

  linearParts(): LinearPart<unknown>[] {
    return [this.rows.linearPart(() => this.recount())];
  }

  pushMixable(): PushMixable {
    return composePush('classifier', [this.rows.pushPart()], () => this.recount());
  }
}

export function makeNnClassifier(parameter: unknown, ctx: DriverContext): NnClassifier {
  if (parameter === undefined || parameter === null) throw new ConfigError('parameter', 'parameter block is not specified in config');
  const p = asObject(parameter, 'parameter');
  checkKeys(p, ['method', 'parameter', 'nearest_neighbor_num', 'local_sensitivity', 'unlearner', 'unlearner_parameter'], 'parameter');
  const params = parseNnParams(p, 'parameter');
  const k = readInt32(p, 'nearest_neighbor_num', 'parameter');
  const alpha = readFloat32(p, 'local_sensitivity', 'parameter');
  if (!(alpha >= 0)) throw new ConfigError('parameter.local_sensitivity', 'local_sensitivity should >= 0');
  const unlearner = parseUnlearnerConfig(p, 'parameter');
  return new NnClassifier(new NnRows(params), k, alpha, ctx.labels, unlearner);
}
