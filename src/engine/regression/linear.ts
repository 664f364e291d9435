/**
 * The linear regressions (engine spec §7): perceptron, PA, PA1, PA2, CW, AROW, NHERD over the
 * linear storage with the one pseudo-label "+". Prediction p = Σ x·w; error e = y − p. PA, PA1
 * and PA2 scale ε by the population std of all targets seen (kept in the driver, not in the
 * model, as 1.1.1 does); PA2's `1 / 2 * C` is integer division in 1.1.1 (= 0), so PA2 trains
 * exactly like PA. The fv is used as converted (1.1.1's regression does not sort or merge it).
 */
import { ConfigError } from '../../errors.js';
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asNumber, asObject, checkKeys, child, type JsonObject } from '../config-cast.js';
import type { FeatureVector } from '../datum.js';
import type { EngineOptions } from '../engine.js';
import type { LinearPart } from '../mixable.js';
import { storagePart } from '../linear/storage-mix.js';
import { LinearStorage } from '../linear/storage.js';
import type { RegressionDriver, RegressionDriverMaker } from './driver.js';

export type LinearRegressionAlgorithm = 'perceptron' | 'PA' | 'PA1' | 'PA2' | 'CW' | 'AROW' | 'NHERD';

const PLUS = '+';
const pair = new Float64Array(4);

/** Float32 parameters, as 1.1.1's config structs hold them. */
export interface LinearRegressionParams {
  sensitivity: number;
  regularizationWeight: number;
  learningRate: number;
}

export class LinearRegression implements RegressionDriver {
  storage: LinearStorage;
  private sum = 0;
  private sqSum = 0;
  private count = 0;

  constructor(
    readonly algorithm: LinearRegressionAlgorithm,
    private readonly p: LinearRegressionParams,
    distributed: boolean,
  ) {
    this.storage = new LinearStorage(distributed);
  }

  estimate(fv: FeatureVector): number {
    const s = this.storage;
    s.inp(fv.keys, fv.values);
    const id = s.keys.idOf(PLUS);
    return id >= 0 ? s.scoreOf(id) : 0;
  }

  train(y: number, fv: FeatureVector): void {
    switch (this.algorithm) {
      case 'perceptron':
        this.storage.bulkUpdate(fv.keys, fv.values, (y - this.estimate(fv)) * this.p.learningRate, PLUS, '');
        return;
      case 'PA':
      case 'PA1':
      case 'PA2':
        return this.passiveAggressive(y, fv);
      default:
        return this.confidence(y, fv);
    }
  }

  private passiveAggressive(y: number, fv: FeatureVector): void {
    this.sum += y;
    this.sqSum += y * y;
    this.count += 1;
    const avg = this.sum / this.count;
    const std = Math.sqrt(this.sqSum / this.count - avg * avg);
    const error = y - this.estimate(fv);
    const sign = error > 0.0 ? 1.0 : -1.0;
    const loss = sign * error - this.p.sensitivity * std;
    if (!(loss > 0.0)) return;
    let norm = 0;
    for (const x of fv.values) norm += x * x;
    let coeff: number;
    if (this.algorithm === 'PA1') {
      const t = loss / norm;
      const c = this.p.regularizationWeight;
      coeff = sign * (t < c ? t : c);
    } else {
      // PA2's extra term is 1 / 2 * C = 0 * C in 1.1.1.
      coeff = (sign * loss) / (this.algorithm === 'PA2' ? norm + 0 * this.p.regularizationWeight : norm);
    }
    if (coeff === Infinity || coeff === -Infinity) return;
    this.storage.bulkUpdate(fv.keys, fv.values, coeff, PLUS, '');
  }

  /** Σ σ_f·x_f² (σ = 1 where the feature has no entry). */
  private variance(fv: FeatureVector): number {
    let v = 0;
    for (let i = 0; i < fv.keys.length; i++) {
      const x = fv.values[i]!;
      v += this.storage.firstCovariance(fv.keys[i]!, 1.0) * x * x;
    }
    return v;
  }

  private confidence(y: number, fv: FeatureVector): void {
    const c = this.p.regularizationWeight;
    const error = y - this.estimate(fv);
    const sign = error > 0.0 ? 1.0 : -1.0;
    const loss = sign * error - this.p.sensitivity;
    if (this.algorithm === 'CW') {
      const v = this.variance(fv);
      if (!(loss > 0.0)) return;
      const abs = Math.abs(error);
      const b = 1.0 - Math.fround(2 * c) * abs;
      let gamma = -b + Math.sqrt(b * b + Math.fround(8 * c) * (abs + c * v));
      gamma /= Math.fround(4 * c) * v;
      this.update(fv, (w, cov, x) => [w + sign * gamma * cov * x, 1.0 / (1.0 / cov + 2 * gamma * x * x * c)]);
      return;
    }
    if (!(loss > 0.0)) return;
    const v = this.variance(fv);
    if (this.algorithm === 'AROW') {
      const beta = 1.0 / (v + 1.0 / c);
      const alpha = sign * loss * beta;
      this.update(fv, (w, cov, x) => [w + alpha * cov * x, cov - beta * cov * cov * x * x]);
      return;
    }
    const k = Math.fround(2 * c) + Math.fround(c * c) * v;
    this.update(fv, (w, cov, x) => [w + (sign * loss * (x * cov)) / (v + 1.0 / c), 1.0 / (1.0 / cov + k * x * x)]);
  }

  /** Per feature in fv order: read the merged (w, σ), write `rule`'s result (C++ `set2`). */
  private update(fv: FeatureVector, rule: (w: number, cov: number, x: number) => [number, number]): void {
    const s = this.storage;
    if (fv.keys.length === 0) return;
    const id = s.keys.getId(PLUS);
    for (let i = 0; i < fv.keys.length; i++) {
      s.get2(fv.keys[i]!, id, -1, pair);
      const [w, cov] = rule(pair[0]!, pair[1]!, fv.values[i]!);
      s.set2(fv.keys[i]!, id, w, cov);
    }
  }

  clear(): void {
    this.storage.clear();
    this.sum = 0;
    this.sqSum = 0;
    this.count = 0;
  }

  status(): Record<string, string> {
    return this.storage.status();
  }

  /** The model's first element: `[storage]`. */
  pack(w: MsgWriter): void {
    w.arrayHeader(1);
    this.storage.pack(w);
  }

  unpack(v: MsgValue): () => void {
    return this.storage.unpack(expectArray(v, 'regression model', 1)[0]!);
  }

  linearParts(): LinearPart<unknown>[] {
    return [storagePart(() => this.storage)];
  }
}

const ALLOWED: Record<LinearRegressionAlgorithm, readonly string[]> = {
  perceptron: ['learning_rate'],
  PA: ['sensitivity'],
  PA1: ['sensitivity', 'regularization_weight'],
  PA2: ['sensitivity', 'regularization_weight'],
  CW: ['regularization_weight', 'sensitivity'],
  AROW: ['regularization_weight', 'sensitivity'],
  NHERD: ['regularization_weight', 'sensitivity'],
};

function reqFloat(p: JsonObject, key: string): number {
  const path = child('parameter', key);
  if (p[key] === undefined || p[key] === null) throw new ConfigError(path, 'required key is missing');
  return Math.fround(asNumber(p[key], path));
}

function maker(algorithm: LinearRegressionAlgorithm): RegressionDriverMaker {
  return (parameter: unknown, options: EngineOptions) => {
    if (parameter === undefined || parameter === null) throw new ConfigError('parameter', 'required key is missing');
    const p = asObject(parameter, 'parameter');
    const keys = ALLOWED[algorithm];
    checkKeys(p, keys, 'parameter');
    const params: LinearRegressionParams = { sensitivity: 0.1, regularizationWeight: 3.4028234663852886e38, learningRate: 0.1 };
    for (const key of keys) {
      const v = reqFloat(p, key);
      if (key === 'learning_rate') params.learningRate = v;
      else if (key === 'sensitivity') params.sensitivity = v;
      else params.regularizationWeight = v;
    }
    if (keys.includes('regularization_weight') && !(0 < params.regularizationWeight)) {
      throw new ConfigError(child('parameter', 'regularization_weight'), 'invalid parameter: 0.0 < regularization_weight');
    }
    if (keys.includes('sensitivity') && !(0 <= params.sensitivity)) {
      throw new ConfigError(child('parameter', 'sensitivity'), 'invalid parameter: 0.0 <= sensitivity');
    }
    if (algorithm === 'perceptron' && !(0 < params.learningRate)) {
      throw new ConfigError(child('parameter', 'learning_rate'), 'invalid parameter: 0.0 < learning_rate');
    }
    return new LinearRegression(algorithm, params, options.distributed ?? false);
  };
}

/** Config names (aliases included) → linear drivers, for methods.ts. AROW has no lowercase alias. */
export const LINEAR_REGRESSIONS: Readonly<Record<string, RegressionDriverMaker>> = {
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
  NHERD: maker('NHERD'),
  normal_herd: maker('NHERD'),
};
