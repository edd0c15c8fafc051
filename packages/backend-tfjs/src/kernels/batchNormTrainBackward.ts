import type { BatchNormAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { centre, geometry, parameterGradients, perChannel } from './batchnorm-math.js';

export function batchNormTrainBackward(
  inputs: { x: tf.Tensor; dy: tf.Tensor; gamma: tf.Tensor; mean: tf.Tensor; invStd: tf.Tensor },
  attrs: BatchNormAttrs,
) {
  const { x, dy, gamma } = inputs;
  const g = geometry(x, attrs.axis);
  const invStd = tf.reshape(inputs.invStd, g.broadcast);
  // The saved mean is float32-rounded; its rounding error alone can be a percent of a small spread
  // around a large offset. This backward is only valid for mean = x's batch mean, so refine it from x.
  const xhat = tf.mul(centre(x, tf.reshape(inputs.mean, g.broadcast), g).centered, invStd);
  const { dbeta, dgamma } = parameterGradients(dy, xhat, g);
  // dx = gamma·invStd/n · (n·dy − Σdy − xhat·Σ(dy·xhat))
  const scale = tf.mul(tf.reshape(gamma, g.broadcast), tf.div(invStd, g.count));
  const dx = tf.mul(scale, tf.sub(tf.sub(tf.mul(dy, g.count), dbeta), tf.mul(xhat, dgamma)));
  return { dx, dgamma: perChannel(dgamma, g), dbeta: perChannel(dbeta, g) };
}
