/**
 * The classifier engine (engine spec §6): the IDL methods of `idl/classifier.idl` over the
 * converter, the label counts and one learning method's driver. Model file
 * `[[storage, labels], weight_manager]`; MIX parts `[storage…, labels?, weight_manager]`.
 */
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { Datum } from '../datum.js';
import type { Engine, EngineOptions, LinearMixable, PushMixable, ShippedEngineFactory } from '../engine.js';
import type { DatumToFvConverter } from '../fv/converter.js';
import { WeightManager } from '../fv/weight-manager.js';
import { weightManagerPart, weightManagerStatus } from '../fv/weight-mixable.js';
import { parseMethodConfig } from '../method-config.js';
import { composeLinear } from '../mixable.js';
import type { ClassifierDriver } from './driver.js';
import { Labels } from './labels.js';
import { CLASSIFIER_METHODS } from './methods.js';
import type { ClassifierService, EstimateResult, LabeledDatum } from './service-types.js';

export class ClassifierEngine implements Engine, ClassifierService {
  readonly type = 'classifier';
  readonly userDataVersion = 1;

  constructor(
    readonly method: string,
    readonly converter: DatumToFvConverter,
    readonly labels: Labels,
    readonly driver: ClassifierDriver,
  ) {}

  train(data: LabeledDatum[]): number {
    let n = 0;
    for (const [label, d] of data) {
      const fv = this.converter.convertAndUpdateWeight(d);
      const undo = this.labels.increment(label);
      try {
        this.driver.train(label, fv);
      } catch (e) {
        // 1.1.1 counts the label only once the example is stored (an NN unlearner can refuse it).
        undo();
        throw e;
      }
      n++;
    }
    return n;
  }

  classify(data: Datum[]): EstimateResult[][] {
    return data.map((d) => this.driver.classify(this.converter.convert(d)));
  }

  get_labels(): Map<string, number> {
    return this.labels.all();
  }

  set_label(label: string): boolean {
    if (!this.labels.add(label)) return false;
    this.driver.labelAdded(label);
    return true;
  }

  delete_label(label: string): boolean {
    if (!this.labels.has(label) || !this.driver.deleteLabel(label)) return false;
    return this.labels.delete(label);
  }

  clear(): boolean {
    this.driver.clear();
    this.labels.clear();
    this.converter.clear();
    return true;
  }

  status(): Record<string, string> {
    return { num_classes: String(this.labels.size), ...weightManagerStatus(this.converter.weights), ...this.driver.status() };
  }

  packModel(w: MsgWriter): void {
    const prefix = this.driver.packPrefix;
    w.arrayHeader(2);
    w.arrayHeader(prefix ? 3 : 2);
    prefix?.pack(w);
    this.driver.pack(w);
    this.labels.pack(w);
    this.converter.weights.pack(w);
  }

  unpackModel(v: MsgValue): void {
    const top = expectArray(v, 'classifier model', 2);
    const prefix = this.driver.packPrefix;
    const parts = expectArray(top[0]!, 'classifier model', prefix ? 3 : 2);
    const at = prefix ? 1 : 0;
    const installPrefix = prefix?.unpack(parts[0]!);
    const installStorage = this.driver.unpack(parts[at]!);
    const installLabels = this.labels.unpack(parts[at + 1]!);
    const weights = WeightManager.unpack(top[1]!);
    installPrefix?.();
    installStorage();
    installLabels();
    this.converter.setWeights(weights);
  }

  linearMixable(): LinearMixable<unknown[]> {
    const parts = [...this.driver.linearParts(), ...(this.driver.mixesLabels ? [this.labels.part()] : []), weightManagerPart(this.converter)];
    return composeLinear('classifier', parts);
  }

  pushMixable(): PushMixable | undefined {
    return this.driver.pushMixable?.();
  }
}

export const classifierFactory: ShippedEngineFactory = {
  type: 'classifier',
  presets: {
    feed: { method: 'train', wrap: true, example: '["sports", {"text": "a goal in the last minute"}]' },
    bench: { method: 'classify', args: [[{ text: 'juba bench', x: 1 }]] },
    size: { keys: ['num_classes'], label: 'LABELS' },
  },
  create(config: unknown, options: EngineOptions): ClassifierEngine {
    const { method, make, parameter, converter } = parseMethodConfig(config, CLASSIFIER_METHODS);
    const labels = new Labels();
    return new ClassifierEngine(method, converter, labels, make(parameter, { labels, options }));
  },
};
