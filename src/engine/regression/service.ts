/**
 * The regression engine (engine spec §7): the IDL methods of `idl/regression.idl` over the
 * converter and one learning method's driver. Model file `[driver parts, weight_manager]`;
 * MIX parts `[driver parts…, weight_manager]`.
 */
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { Datum } from '../datum.js';
import type { Engine, EngineOptions, LinearMixable, PushMixable, ShippedEngineFactory } from '../engine.js';
import type { DatumToFvConverter } from '../fv/converter.js';
import { WeightManager } from '../fv/weight-manager.js';
import { weightManagerPart } from '../fv/weight-mixable.js';
import { parseMethodConfig } from '../method-config.js';
import { composeLinear } from '../mixable.js';
import type { RegressionDriver } from './driver.js';
import { REGRESSION_METHODS } from './methods.js';
import type { RegressionService, ScoredDatum } from './service-types.js';

export class RegressionEngine implements Engine, RegressionService {
  readonly type = 'regression';
  readonly userDataVersion = 1;

  constructor(
    readonly method: string,
    readonly converter: DatumToFvConverter,
    readonly driver: RegressionDriver,
  ) {}

  train(data: ScoredDatum[]): number {
    let n = 0;
    for (const [target, d] of data) {
      this.driver.train(target, this.converter.convertAndUpdateWeight(d));
      n++;
    }
    return n;
  }

  estimate(data: Datum[]): number[] {
    return data.map((d) => this.driver.estimate(this.converter.convert(d)));
  }

  clear(): boolean {
    this.driver.clear();
    this.converter.clear();
    return true;
  }

  status(): Record<string, string> {
    return this.driver.status();
  }

  packModel(w: MsgWriter): void {
    w.arrayHeader(2);
    this.driver.pack(w);
    this.converter.weights.pack(w);
  }

  unpackModel(v: MsgValue): void {
    const top = expectArray(v, 'regression model', 2);
    const install = this.driver.unpack(top[0]!);
    const weights = WeightManager.unpack(top[1]!);
    install();
    this.converter.setWeights(weights);
  }

  linearMixable(): LinearMixable<unknown[]> {
    return composeLinear('regression', [...this.driver.linearParts(), weightManagerPart(this.converter)]);
  }

  pushMixable(): PushMixable | undefined {
    return this.driver.pushMixable?.();
  }
}

export const regressionFactory: ShippedEngineFactory = {
  type: 'regression',
  presets: {
    feed: { method: 'train', wrap: true, example: '[2.5, {"x": 1.0, "text": "a small flat"}]' },
    bench: { method: 'estimate', args: [[{ text: 'juba bench', x: 1 }]] },
    size: { keys: ['num_features', 'num_rows'], label: 'SIZE' },
  },
  create(config: unknown, options: EngineOptions): RegressionEngine {
    const { method, make, parameter, converter } = parseMethodConfig(config, REGRESSION_METHODS);
    return new RegressionEngine(method, converter, make(parameter, options));
  },
};
