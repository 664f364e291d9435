/**
 * What the classifier engine (service.ts) needs from one learning method: the linear learners
 * (linear.ts), the nearest-neighbour classifier (nn.ts) and the inverted-index ones
 * (inverted.ts). The engine owns the converter, the label counts and the weight manager; a
 * driver owns its model storage and says how it packs and mixes.
 */
import type { FeatureVector } from '../datum.js';
import type { EngineOptions, PushMixable } from '../engine.js';
import type { LinearPart } from '../mixable.js';
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { Labels } from './labels.js';

export interface ClassifierDriver {
  /** Learns one example. The engine has already counted it in `labels` (1.1.1 does that first). */
  train(label: string, fv: FeatureVector): void;
  /**
   * Scores every known label (`labels`) for one converted datum, in 1.1.1's order: linear
   * methods in their storage order (clients and tests treat it as a set), NN and inverted-index
   * methods sorted by label.
   */
  classify(fv: FeatureVector): Array<[string, number]>;
  /** After `labels` gained `label` through set_label (an unlearner may need to touch it). */
  labelAdded(label: string): void;
  /**
   * delete_label: forgets what was learned for `label`; false when this method cannot delete
   * (1.1.1's cosine/euclidean). The engine removes the label's count only when this is true.
   */
  deleteLabel(label: string): boolean;
  clear(): void;
  /** Method-specific `get_status` keys (1.1.1's linear methods: num_classes, num_features, storage). */
  status(): Record<string, string>;
  /** The storage's part of the model file (the first element of `[storage, labels]`). */
  pack(w: MsgWriter): void;
  /** Decodes and checks the storage part; the returned function installs it (all or nothing). */
  unpack(v: MsgValue): () => void;
  /**
   * State 1.1.1 packs before the storage (the NN classifier's row unlearner): the model's first
   * element is then `[prefix, storage, labels]` instead of `[storage, labels]`.
   */
  readonly packPrefix?: { pack(w: MsgWriter): void; unpack(v: MsgValue): () => void };
  /** The storage's linear mixables, in 1.1.1's registration order (before the labels). */
  linearParts(): LinearPart<unknown>[];
  /** Whether the label counts are a linear mixable of this method (after linearParts). */
  readonly mixesLabels: boolean;
  /** The push side, for methods whose storage is a versioned table (NN). */
  pushMixable?(): PushMixable;
}

/** Everything a driver may use: the shared label counts and the server's identity. */
export interface DriverContext {
  labels: Labels;
  options: EngineOptions;
}

/**
 * Builds a driver from the config's `parameter` (JSON, possibly absent) or throws ConfigError
 * naming the key under `parameter`.
 */
export type ClassifierDriverMaker = (parameter: unknown, ctx: DriverContext) => ClassifierDriver;
