/**
 * The weight engine (engine spec §15): the converter alone, answering the weighted feature
 * vector of a datum sorted by key and merged. Its one model is the weight manager, so the model
 * file holds `[weight_manager]` and MIX has one part, the weight manager (1.1.1's jubaweight
 * crashes in distributed mode; juba's MIXes like every other engine).
 */
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asObject, checkKeys } from '../config-cast.js';
import { ConfigError } from '../../errors.js';
import type { Datum, FeatureVector } from '../datum.js';
import type { Engine, EngineOptions, LinearMixable, ShippedEngineFactory } from '../engine.js';
import { parseConverterConfig } from '../fv/config.js';
import { DatumToFvConverter } from '../fv/converter.js';
import { sortAndMerge } from '../fv/sort-merge.js';
import { WeightManager } from '../fv/weight-manager.js';
import { weightManagerPart, weightManagerStatus } from '../fv/weight-mixable.js';
import { composeLinear } from '../mixable.js';
import type { Feature, WeightService } from './service-types.js';

export class WeightEngine implements Engine, WeightService {
  readonly type = 'weight';
  readonly userDataVersion = 1;

  constructor(readonly converter: DatumToFvConverter) {}

  update(d: Datum): Feature[] {
    return features(this.converter.convertAndUpdateWeight(d));
  }

  calc_weight(d: Datum): Feature[] {
    return features(this.converter.convert(d));
  }

  clear(): boolean {
    this.converter.clear();
    return true;
  }

  status(): Record<string, string> {
    return weightManagerStatus(this.converter.weights);
  }

  /** 1.1.1 writes the driver's mixables as a list even though there is only the one. */
  packModel(w: MsgWriter): void {
    w.arrayHeader(1);
    this.converter.weights.pack(w);
  }

  unpackModel(v: MsgValue): void {
    const top = expectArray(v, 'weight model', 1);
    this.converter.setWeights(WeightManager.unpack(top[0]!));
  }

  linearMixable(): LinearMixable<unknown[]> {
    return composeLinear('weight', [weightManagerPart(this.converter)]);
  }
}

function features(fv: FeatureVector): Feature[] {
  const { keys, values } = sortAndMerge(fv);
  return keys.map((k, i): Feature => [k, values[i]!]);
}

// `satisfies` keeps create's WeightEngine result for embedders and tests.
export const weightFactory = {
  type: 'weight',
  presets: {
    // update is what counts documents into the idf/bm25 statistics, i.e. what a stream feeds.
    feed: { method: 'update', wrap: false, example: '[{"title": "juba weighs words", "price": 12.5}]' },
    // calc_weight is the read-only analysis call, the one a benchmark can repeat without growing the model.
    bench: { method: 'calc_weight', args: [{ text: 'juba bench', x: 1 }] },
    // The documents every member has agreed on: top and ctl status watch clusters, where MIX
    // moves each member's diff_ into the shared master_. (Both keys are always reported, so
    // listing diff_ second would never be read; the true size, their sum, is not expressible.)
    size: { keys: ['master_document_count'], label: 'DOCS' },
  },
  create(config: unknown, _options: EngineOptions): WeightEngine {
    const root = asObject(config, '');
    checkKeys(root, ['converter'], '');
    if (root.converter === undefined || root.converter === null) throw new ConfigError('converter', 'required key is missing');
    return new WeightEngine(new DatumToFvConverter(parseConverterConfig(root.converter, 'converter')));
  },
} satisfies ShippedEngineFactory;
