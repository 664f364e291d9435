/**
 * The linear classifiers (engine spec §6.3): perceptron, PA, PA1, PA2, CW, AROW, NHERD over the
 * linear storage (engine/linear/), with 1.1.1's optional label unlearner (§6.5). Each train
 * scores every label in 1.1.1's label order, so ties go to the label 1.1.1 would pick; float
 * arithmetic follows the C++ expressions (C is a float32; `2*C`, `C*C` are float products).
 */
import { ConfigError } from '../../errors.js';
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { parseUnlearner, type Unlearner } from '../common/unlearner.js';
import { asNumber, asObject, checkKeys, child, type JsonObject } from '../config-cast.js';
import type { FeatureVector } from '../datum.js';
import { sortAndMerge } from '../fv/sort-merge.js';
import type { LinearPart } from '../mixable.js';
import { storagePart } from '../linear/storage-mix.js';
import { LinearStorage } from '../linear/storage.js';
import type { ClassifierDriver, ClassifierDriverMaker, DriverContext } from './driver.js';
import type { Labels } from './labels.js';

export type LinearAlgorithm = 'perceptron' | 'PA' | 'PA1' | 'PA2' | 'CW' | 'AROW' | 'NHERD';

/** Scratch for get2 reads: [pos v1, pos v2, neg v1, neg v2]. */
const pair = new Float64Array(4);

export class LinearClassifier implements ClassifierDriver {
  readonly mixesLabels = true;
  storage: LinearStorage;
  readonly packPrefix?: { pack(w: MsgWriter): void; unpack(v: MsgValue): () => void };
  /** Set by `margin`: the best-scoring other label ("" when none), and the sum of covariances. */
  private incorrect = '';
  private variance = 0;

  constructor(
    readonly algorithm: LinearAlgorithm,
    /** `regularization_weight` as the float32 1.1.1 stores. */
    private readonly c: number,
    private readonly labels: Labels,
    private readonly unlearner: Unlearner | undefined,
    distributed: boolean,
  ) {
    this.storage = new LinearStorage(distributed);
    if (unlearner) {
      unlearner.onUnlearn = (label) => {
        this.storage.deleteLabel(label);
        this.labels.delete(label);
      };
      this.packPrefix = { pack: (w) => unlearner.pack(w), unpack: (v) => unlearner.unpack(v) };
    }
  }

  train(label: string, raw: FeatureVector): void {
    this.checkTouchable(label);
    const fv = sortAndMerge(raw);
    switch (this.algorithm) {
      case 'perceptron':
        return this.perceptron(label, fv);
      case 'PA':
      case 'PA1':
      case 'PA2':
        return this.passiveAggressive(label, fv);
      default:
        return this.confidence(label, fv);
    }
  }

  private perceptron(label: string, fv: FeatureVector): void {
    const s = this.storage;
    s.inp(fv.keys, fv.values);
    let predicted = '';
    let max = -Number.MAX_VALUE;
    const order = s.labelOrder();
    for (let i = 0; i < order.length; i++) {
      const score = s.scoreOf(order[i]!);
      if (i === 0 || score > max) {
        max = score;
        predicted = s.keys.keyOf(order[i]!);
      }
    }
    if (label === predicted) return;
    s.bulkUpdate(fv.keys, fv.values, 1.0, label, predicted);
    this.touch(label);
  }

  private passiveAggressive(label: string, fv: FeatureVector): void {
    const s = this.storage;
    const loss = 1.0 + this.margin(label, fv, false);
    if (loss < 0.0) {
      if (this.algorithm !== 'PA') s.keys.getId(label);
      return;
    }
    let norm = 0;
    for (const x of fv.values) norm += x * x;
    if (norm === 0.0) {
      s.keys.getId(label);
      return;
    }
    let step: number;
    if (this.algorithm === 'PA') step = loss / (2 * norm);
    else if (this.algorithm === 'PA1') {
      const t = loss / (2 * norm);
      step = t < this.c ? t : this.c;
    } else step = loss / (2 * norm + Math.fround(1 / Math.fround(2 * this.c)));
    s.bulkUpdate(fv.keys, fv.values, step, label, this.incorrect);
    this.touch(label);
  }

  /** CW, AROW, NHERD: margin μ = s_y − s_ŷ and variance V, then a per-feature (w, σ) update. */
  private confidence(label: string, fv: FeatureVector): void {
    const s = this.storage;
    const c = this.c;
    const mu = -this.margin(label, fv, true);
    const v = this.variance;
    let a: number;
    let b: number;
    if (this.algorithm === 'CW') {
      const bb = 1.0 + Math.fround(2 * c) * mu;
      let gamma = -bb + Math.sqrt(bb * bb - Math.fround(8 * c) * (mu - c * v));
      if (gamma <= 0.0) {
        s.keys.getId(label);
        return;
      }
      gamma /= Math.fround(4 * c) * v;
      a = gamma;
      b = 0;
    } else {
      if (mu >= 1.0) {
        s.keys.getId(label);
        return;
      }
      if (this.algorithm === 'AROW') {
        b = 1.0 / (v + 1.0 / c);
        a = (1.0 - mu) * b;
      } else {
        a = mu;
        b = v;
      }
    }
    const neg = this.incorrect;
    const n = fv.keys.length;
    const posId = n > 0 ? s.keys.getId(label) : -1;
    const negId = neg !== '' ? s.keys.idOf(neg) : -1;
    for (let i = 0; i < n; i++) {
      const f = fv.keys[i]!;
      const x = fv.values[i]!;
      s.get2(f, posId, negId, pair);
      this.step(f, posId, pair[0]!, pair[1]!, x, a, b, 1);
      if (neg !== '') this.step(f, negId, pair[2]!, pair[3]!, x, a, b, -1);
    }
    this.touch(label);
  }

  /** One label's (w, σ) update on one feature; `sign` +1 for the true label, −1 for ŷ. */
  private step(f: string, id: number, w: number, cov: number, x: number, a: number, b: number, sign: number): void {
    const c = this.c;
    switch (this.algorithm) {
      case 'AROW':
        this.storage.set2(f, id, sign > 0 ? w + a * cov * x : w - a * cov * x, cov - b * cov * cov * x * x);
        return;
      case 'CW': {
        const covStep = 2.0 * a * x * x * c;
        this.storage.set2(f, id, sign > 0 ? w + a * cov * x : w - a * cov * x, 1.0 / (1.0 / cov + covStep));
        return;
      }
      default: {
        // NHERD: a = μ, b = V
        const vc = x * cov;
        const dw = ((1.0 - a) * vc) / (b + 1.0 / c);
        const k = Math.fround(2 * c) + Math.fround(c * c) * b;
        this.storage.set2(f, id, sign > 0 ? w + dw : w - dw, 1.0 / (1.0 / cov + k * x * x));
      }
    }
  }

  /**
   * C++ `calc_margin` (s_ŷ − s_y, ŷ the first best label ≠ y in score order) and, with
   * `withVariance`, `calc_margin_and_variance`'s V = Σ (σ_y + σ_ŷ)·x².
   */
  private margin(label: string, fv: FeatureVector, withVariance: boolean): number {
    const s = this.storage;
    s.inp(fv.keys, fv.values);
    const order = s.labelOrder();
    let max = -Number.MAX_VALUE;
    let incorrect = '';
    for (let i = 0; i < order.length; i++) {
      const name = s.keys.keyOf(order[i]!);
      if (name === label) continue;
      const score = s.scoreOf(order[i]!);
      if (score > max || i === 0) {
        max = score;
        incorrect = name;
      }
    }
    this.incorrect = incorrect;
    const posId = s.keys.idOf(label);
    const negId = s.keys.idOf(incorrect);
    const correct = posId >= 0 ? s.scoreOf(posId) : 0;
    const wrong = negId >= 0 ? s.scoreOf(negId) : 0;
    if (withVariance) {
      let v = 0;
      for (let i = 0; i < fv.keys.length; i++) {
        const x = fv.values[i]!;
        s.get2(fv.keys[i]!, posId, negId, pair);
        v += (pair[1]! + pair[3]!) * x * x;
      }
      this.variance = v;
    }
    return wrong - correct;
  }

  private checkTouchable(label: string): void {
    if (this.unlearner && !this.unlearner.canTouch(label)) {
      throw new Error(`cannot add new label as number of sticky labels reached the maximum size of unlearner: ${label}`);
    }
  }

  private touch(label: string): void {
    this.checkTouchable(label);
    this.unlearner?.touch(label);
  }

  classify(fv: FeatureVector): Array<[string, number]> {
    const s = this.storage;
    s.inp(fv.keys, fv.values);
    return s.labelOrder().map((id): [string, number] => [s.keys.keyOf(id), s.scoreOf(id)]);
  }

  labelAdded(label: string): void {
    try {
      this.checkTouchable(label);
    } catch (e) {
      this.labels.delete(label);
      throw e;
    }
    const added = this.storage.keys.setKey(label);
    if (this.unlearner && added) this.unlearner.touch(label);
  }

  deleteLabel(label: string): boolean {
    // 1.1.1 erases the label's count even when the storage or the unlearner says false.
    if (!this.storage.deleteLabel(label) || (this.unlearner && !this.unlearner.remove(label))) {
      this.labels.delete(label);
      return false;
    }
    return true;
  }

  clear(): void {
    this.storage.clear();
    this.unlearner?.clear();
  }

  status(): Record<string, string> {
    return { ...this.storage.status(), ...this.unlearner?.status() };
  }

  pack(w: MsgWriter): void {
    this.storage.pack(w);
  }

  unpack(v: MsgValue): () => void {
    return this.storage.unpack(v);
  }

  linearParts(): LinearPart<unknown>[] {
    const u = this.unlearner;
    const gate = u && { touch: (l: string) => void u.touch(l), has: (l: string) => u.existsInMemory(l) };
    return [storagePart(() => this.storage, () => gate)];
  }
}

function parameterObject(parameter: unknown, required: boolean): JsonObject | undefined {
  if (parameter === undefined || parameter === null) {
    if (required) throw new ConfigError('parameter', 'parameter block is not specified in config');
    return undefined;
  }
  return asObject(parameter, 'parameter');
}

function maker(algorithm: LinearAlgorithm): ClassifierDriverMaker {
  return (parameter: unknown, ctx: DriverContext) => {
    const needsC = algorithm !== 'perceptron' && algorithm !== 'PA';
    const p = parameterObject(parameter, needsC);
    let c = 1;
    let unlearner: Unlearner | undefined;
    if (p) {
      checkKeys(p, needsC ? ['regularization_weight', 'unlearner', 'unlearner_parameter'] : ['unlearner', 'unlearner_parameter'], 'parameter');
      const key = child('parameter', 'regularization_weight');
      if (needsC) {
        if (p.regularization_weight === undefined || p.regularization_weight === null) throw new ConfigError(key, 'required key is missing');
        c = Math.fround(asNumber(p.regularization_weight, key));
      }
      unlearner = parseUnlearner(p, 'parameter');
      if (needsC && !(0 < c)) throw new ConfigError(key, 'invalid parameter: 0.0 < regularization_weight');
    }
    return new LinearClassifier(algorithm, c, ctx.labels, unlearner, ctx.options.distributed ?? false);
  };
}

/** Config names (aliases included) → linear drivers, for methods.ts. */
export const LINEAR_CLASSIFIERS: Readonly<Record<string, ClassifierDriverMaker>> = {
  perceptron: maker('perceptron'),
  PA: maker('PA'),
  passive_aggressive: maker('PA'),
  PA1: maker('PA1'),
  passive_aggressive_1: maker('PA1'),
  PA2: maker('PA2'),
  passive_aggressive_2: maker('PA2'),
  CW: maker('CW'),
  confidence_weighted: maker('CW'),
  AROW: maker('AROW'),
  arow: maker('AROW'),
  NHERD: maker('NHERD'),
  normal_herd: maker('NHERD'),
};
