import type { Pool2dAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { foldWindowsExact, isMaximum } from './nan.js';
import { dyView, padded, unpad } from './pooling.js';
import { dims4, windows } from './windows.js';

/**
 * The whole gradient of each window goes to its FIRST maximum in row-major order (PyTorch's choice), NaN
 * counting as the largest value; padded cells are never chosen.
 * tfjs's MaxPoolGrad kernels do not agree on ties across backends, so the choice is made explicitly:
 * the first maximum is the maximum whose running count of maxima within the window is 1.
 */
export function maxPool2dBackward(inputs: { x: tf.Tensor; dy: tf.Tensor }, attrs: Pool2dAttrs): tf.Tensor {
  const input = padded(inputs.x, attrs, -Infinity);
  const { dy, out } = dyView(inputs.dy);
  const cells = windows(input, attrs.kernel, attrs.stride, out);
  // Padding acts as -Infinity but is never a window's maximum: a window whose real cells are all -Infinity
  // routes its gradient to the first of them, as PyTorch does, not to a padded cell before it.
  const real = windows(padded(tf.onesLike(inputs.x), attrs, 0), attrs.kernel, attrs.stride, out);
  const isMax = tf.mul(tf.cast(isMaximum(cells, 3), 'float32'), real);
  const first = tf.mul(isMax, tf.cast(tf.equal(tf.cumsum(isMax, 3), 1), 'float32'));
  // A select, not first·dy: a bad dy must reach only its window's maximum, never the cells multiplied by 0.
  const routed = tf.where(tf.greater(first, 0), tf.mul(tf.onesLike(first), dy), tf.zerosLike(first)) as tf.Tensor4D;
  return unpad(foldWindowsExact(routed, attrs.kernel, attrs.stride, dims4(input)) as tf.Tensor4D, inputs.x, attrs);
}
