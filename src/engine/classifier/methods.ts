/**
 * The classifier's learning methods by config name, aliases included (engine spec §6.2). Each
 * entry builds a driver from the config's `parameter`.
 */
import type { ClassifierDriverMaker } from './driver.js';
import { makeCosineClassifier, makeEuclideanClassifier } from './inverted.js';
import { LINEAR_CLASSIFIERS } from './linear.js';
import { makeNnClassifier } from './nn.js';

export const CLASSIFIER_METHODS: Readonly<Record<string, ClassifierDriverMaker>> = {
  // perceptron, PA/passive_aggressive, PA1/…_1, PA2/…_2, CW/confidence_weighted, AROW, NHERD/normal_herd
  ...LINEAR_CLASSIFIERS,
  NN: makeNnClassifier,
  nearest_neighbor: makeNnClassifier,
  cosine: makeCosineClassifier,
  euclidean: makeEuclideanClassifier,
};
