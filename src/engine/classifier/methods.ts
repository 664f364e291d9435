/**
 * The classifier's learning methods by config name, aliases included (engine spec §6.2). Each
 * entry builds a driver from the config's `parameter`.
 */
import type { ClassifierDriverMaker } from './driver.js';
import { makeCosineClassifier, makeEuclideanClassifier } from './inverted.js';
import { makeNnClassifier } from './nn.js';

export const CLASSIFIER_METHODS: Readonly<Record<string, ClassifierDriverMaker>> = {
  // linear.ts: perceptron, PA/passive_aggressive, PA1/passive_aggressive_1, PA2/passive_aggressive_2,
  // CW/confidence_weighted, AROW/arow, NHERD/normal_herd
  NN: makeNnClassifier,
  nearest_neighbor: makeNnClassifier,
  cosine: makeCosineClassifier,
  euclidean: makeEuclideanClassifier,
};
