/**
 * The recommender engine (engine spec §8): the IDL methods of `idl/recommender.idl` over the
 * converter and one method's model (model.ts: the stored rows, an optional row unlearner (§16)
 * and the method's index). Model file `[[unlearner?, orig, index], weight_manager]`; MIX parts
 * `[index, weight_manager]`.
 */
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asObject, checkKeys, reqString } from '../config-cast.js';
import { ConfigError } from '../../errors.js';
import type { Unlearner } from '../common/unlearner.js';
import type { Datum, FeatureVector } from '../datum.js';
import type { Engine, EngineOptions, LinearMixable, PushMixable, ShippedEngineFactory } from '../engine.js';
import { parseConverterConfig } from '../fv/config.js';
import { DatumToFvConverter } from '../fv/converter.js';
import { revertFeatures } from '../fv/revert.js';
import { compareUtf8, sortAndMerge } from '../fv/sort-merge.js';
import { WeightManager } from '../fv/weight-manager.js';
import { weightManagerPart } from '../fv/weight-mixable.js';
import { composeLinear } from '../mixable.js';
import type { RecommenderDriver, ScoredRow } from './driver.js';
import { createRecommenderModel, type RecommenderModel } from './model.js';
import type { OrigStorage } from './orig.js';
import type { IdWithScore, RecommenderService } from './service-types.js';

/** complete_row averages this many most similar rows. */
const COMPLETE_ROW_SIMILAR_NUM = 128;

export class RecommenderEngine implements Engine, RecommenderService {
  readonly type = 'recommender';
  readonly userDataVersion = 1;
  private updateRowCnt = 0;
  private clearRowCnt = 0;

  constructor(
    readonly converter: DatumToFvConverter,
    /** The rows, the method's index and the unlearner (model.ts). */
    readonly model: RecommenderModel,
  ) {}

  get method(): string {
    return this.model.method;
  }

  get orig(): OrigStorage {
    return this.model.orig;
  }

  get driver(): RecommenderDriver {
    return this.model.driver;
  }

  get unlearner(): Unlearner | undefined {
    return this.model.unlearner;
  }

  update_row(id: string, row: Datum): boolean {
    this.model.updateRow(id, this.converter.convertAndUpdateWeight(row));
    this.updateRowCnt++;
    return true;
  }

  clear_row(id: string): boolean {
    this.model.clearRow(id);
    this.clearRowCnt++;
    return true;
  }

  clear(): boolean {
    this.model.clear();
    this.converter.clear();
    this.updateRowCnt = 0;
    this.clearRowCnt = 0;
    return true;
  }

  private similarFv(fv: FeatureVector, k: number): ScoredRow[] {
    return this.model.similarFv(fv, k);
  }

  private similarId(id: string, k: number): ScoredRow[] {
    return this.model.similarId(id, k);
  }

  private rowCount(): number {
    return this.driver.allRowIds().length;
  }

  private rateCount(rate: number): number {
    const r = Math.fround(rate);
    if (!(r > 0) || r > 1) throw new Error('invalid parameter (expected: 0 < rate <= 1)');
    return Math.ceil(Math.fround(this.rowCount() * r));
  }

  similar_row_from_id(id: string, size: number): IdWithScore[] {
    return this.similarId(id, size);
  }

  similar_row_from_id_and_score(id: string, score: number): IdWithScore[] {
    return this.similarId(id, this.rowCount()).filter((p) => !(p[1] < score));
  }

  similar_row_from_id_and_rate(id: string, rate: number): IdWithScore[] {
    return this.similarId(id, this.rateCount(rate));
  }

  similar_row_from_datum(row: Datum, size: number): IdWithScore[] {
    return this.similarFv(this.converter.convert(row), size);
  }

  similar_row_from_datum_and_score(row: Datum, score: number): IdWithScore[] {
    const fv = this.converter.convert(row);
    return this.similarFv(fv, this.rowCount()).filter((p) => !(p[1] < score));
  }

  similar_row_from_datum_and_rate(row: Datum, rate: number): IdWithScore[] {
    const fv = this.converter.convert(row);
    return this.similarFv(fv, this.rateCount(rate));
  }

  /** The mean of the stored rows most similar to the query (empty rows not counted), reverted. */
  private complete(fv: FeatureVector): Datum {
    const similar = this.similarFv(fv, COMPLETE_ROW_SIMILAR_NUM);
    const keys: string[] = [];
    const values: number[] = [];
    let rows = 0;
    for (const [id] of similar) {
      const r = this.orig.getRow(id);
      if (r.keys.length === 0) continue;
      rows++;
      keys.push(...r.keys);
      values.push(...r.values);
    }
    if (rows === 0) return revertFeatures({ keys: [], values: [] });
    const sum = sortAndMerge({ keys, values });
    for (let i = 0; i < sum.values.length; i++) sum.values[i] = sum.values[i]! / rows;
    return revertFeatures(sum);
  }

  complete_row_from_id(id: string): Datum {
    return this.complete(this.orig.getRow(id));
  }

  complete_row_from_datum(row: Datum): Datum {
    return this.complete(this.converter.convert(row));
  }

  decode_row(id: string): Datum {
    return revertFeatures(this.orig.getRow(id));
  }

  get_all_rows(): string[] {
    return this.driver.allRowIds();
  }

  calc_similarity(lhs: Datum, rhs: Datum): number {
    return calcSimilarity(this.converter.convert(lhs), this.converter.convert(rhs));
  }

  calc_l2norm(row: Datum): number {
    return l2norm(this.converter.convert(row));
  }

  status(): Record<string, string> {
    return {
      clear_row_cnt: String(this.clearRowCnt),
      update_row_cnt: String(this.updateRowCnt),
      num_rows: String(this.rowCount()),
      ...this.driver.status?.(),
      ...this.unlearner?.status(),
    };
  }

  packModel(w: MsgWriter): void {
    w.arrayHeader(2);
    this.model.pack(w);
    this.converter.weights.pack(w);
  }

  unpackModel(v: MsgValue): void {
    const top = expectArray(v, 'recommender model', 2);
    const install = this.model.unpack(top[0]!);
    const weights = WeightManager.unpack(top[1]!);
    install();
    this.converter.setWeights(weights);
  }

  linearMixable(): LinearMixable<unknown[]> {
    return composeLinear('recommender', [this.model.linearPart(), weightManagerPart(this.converter)]);
  }

  pushMixable(): PushMixable | undefined {
    return this.driver.pushMixable?.();
  }
}

/** Σ v² in conversion order, square-rooted (1.1.1's calc_l2norm). */
export function l2norm(fv: FeatureVector): number {
  let s = 0;
  for (const v of fv.values) s += v * v;
  return Math.sqrt(s);
}

/**
 * Cosine of two converted datums as 1.1.1 computes it: norms over every entry, then both sorted
 * by (key, value) and walked together, each equal key pair multiplied once.
 */
export function calcSimilarity(a: FeatureVector, b: FeatureVector): number {
  const na = l2norm(a);
  const nb = l2norm(b);
  if (na === 0 || nb === 0) return 0;
  const order = (fv: FeatureVector): number[] =>
    fv.keys.map((_, i) => i).sort((i, j) => compareUtf8(fv.keys[i]!, fv.keys[j]!) || fv.values[i]! - fv.values[j]!);
  const oa = order(a);
  const ob = order(b);
  let i = 0;
  let j = 0;
  let dot = 0;
  while (i < oa.length && j < ob.length) {
    const c = compareUtf8(a.keys[oa[i]!]!, b.keys[ob[j]!]!);
    if (c < 0) i++;
    else if (c > 0) j++;
    else {
      dot += a.values[oa[i]!]! * b.values[ob[j]!]!;
      i++;
      j++;
    }
  }
  return dot / na / nb;
}

export const recommenderFactory: ShippedEngineFactory = {
  type: 'recommender',
  presets: {
    feed: { method: 'update_row', wrap: false, example: '["item1", {"title": "a red apple", "price": 1.5}]', idempotent: true },
    bench: { method: 'similar_row_from_id', args: ['{id}', 10] },
    size: { keys: ['num_rows'], label: 'ROWS' },
  },
  create(config: unknown, options: EngineOptions): RecommenderEngine {
    const root = asObject(config, '');
    checkKeys(root, ['method', 'parameter', 'converter'], '');
    const method = reqString(root, 'method', '');
    const model = createRecommenderModel(method, root.parameter, options);
    if (root.converter === undefined || root.converter === null) throw new ConfigError('converter', 'required key is missing');
    const converter = new DatumToFvConverter(parseConverterConfig(root.converter, 'converter'));
    return new RecommenderEngine(converter, model);
  },
};
