import type { BatchNormAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { evalNormalisation, geometry, normalise, type BatchNormTensors } from './batchnorm-math.js';

export function batchNormEval(inputs: BatchNormTensors, attrs: BatchNormAttrs): tf.Tensor {
  const { x, gamma, beta, runningMean, runningVar } = inputs;
  const g = geometry(x, attrs.axis);
  const { invStd, centered } = evalNormalisation(x, runningMean, runningVar, attrs.eps, g);
  return normalise(centered, gamma, beta, invStd, g);
}
