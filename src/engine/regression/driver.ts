/**
 * What the regression engine (service.ts) needs from one learning method: the linear learners
 * (linear.ts), the nearest-neighbour regression (nn.ts) and the inverted-index ones
 * (inverted.ts). The engine owns the converter and the weight manager.
 */
import type { FeatureVector } from '../datum.js';
import type { EngineOptions, PushMixable } from '../engine.js';
import type { LinearPart } from '../mixable.js';
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';

export interface RegressionDriver {
  train(target: number, fv: FeatureVector): void;
  /** The prediction for one converted datum (0 for an empty model). */
  estimate(fv: FeatureVector): number;
  clear(): void;
  /** Method-specific `get_status` keys (1.1.1's linear methods: num_classes, num_features, storage). */
  status(): Record<string, string>;
  /** The driver's part of the model file: the whole first element of `[parts, weight_manager]`. */
  pack(w: MsgWriter): void;
  /** Decodes and checks that element; the returned function installs it (all or nothing). */
  unpack(v: MsgValue): () => void;
  /** The driver's linear mixables, in 1.1.1's registration order (the weight manager follows). */
  linearParts(): LinearPart<unknown>[];
  /** The push side, for methods whose storage is a versioned table (NN). */
  pushMixable?(): PushMixable;
}

/** Builds a driver from the config's `parameter` or throws ConfigError naming the key under `parameter`. */
export type RegressionDriverMaker = (parameter: unknown, options: EngineOptions) => RegressionDriver;
