/**
 * The regression's learning methods by config name, aliases included (engine spec §7). Each
 * entry builds a driver from the config's `parameter`.
 */
import type { RegressionDriverMaker } from './driver.js';
import { makeCosineRegression, makeEuclideanRegression } from './inverted.js';
import { LINEAR_REGRESSIONS } from './linear.js';
import { makeNnRegression } from './nn.js';

export const REGRESSION_METHODS: Readonly<Record<string, RegressionDriverMaker>> = {
  // perceptron, PA/passive_aggressive, PA1/…_1, PA2/…_2, CW/confidence_weighted, AROW, NHERD/normal_herd
  ...LINEAR_REGRESSIONS,
  NN: makeNnRegression,
  nearest_neighbor: makeNnRegression,
  cosine: makeCosineRegression,
  euclidean: makeEuclideanRegression,
};
