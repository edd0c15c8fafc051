import type { BatchNormAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { evalNormalisation, geometry, parameterGradients, perChannel } from './batchnorm-math.js';

export function batchNormEvalBackward(
  inputs: { x: tf.Tensor; dy: tf.Tensor; gamma: tf.Tensor; runningMean: tf.Tensor; runningVar: tf.Tensor },
  attrs: BatchNormAttrs,
) {
  const { x, dy, gamma, runningMean, runningVar } = inputs;
  const g = geometry(x, attrs.axis);
  const { invStd, centered } = evalNormalisation(x, runningMean, runningVar, attrs.eps, g);
  const { dbeta, dgamma } = parameterGradients(dy, tf.mul(centered, invStd), g);
  // The running statistics are constants here, so dx is only the affine scale.
  const dx = tf.mul(dy, tf.mul(tf.reshape(gamma, g.broadcast), invStd));
  return { dx, dgamma: perChannel(dgamma, g), dbeta: perChannel(dbeta, g) };
}
