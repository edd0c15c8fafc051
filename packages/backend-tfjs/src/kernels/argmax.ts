import * as tf from '@tensorflow/tfjs';
import { isMaximum } from './nan.js';

/**
 * Index of the maximum along the last axis (NaN the largest value), the FIRST one on ties. tfjs's ArgMax kernels do not promise
 * which tied index wins (the GPU ones reduce in parallel), so: the smallest index whose value equals the
 * row maximum. Indices are exact in float32 up to 2^24.
 */
export function argmax(inputs: { x: tf.Tensor }): tf.Tensor {
  const { x } = inputs;
  const k = x.shape[x.shape.length - 1];
  const index = tf.range(0, k, 1, 'float32');
  const isMax = isMaximum(x, -1);
  // Non-maxima get index k, which never wins the minimum.
  const candidates = tf.where(isMax, tf.broadcastTo(index, x.shape), tf.fill(x.shape, k));
  return tf.cast(tf.min(candidates, -1), 'int32');
}
