import * as tf from '@tensorflow/tfjs';

/**
 * dx = 0 where x <= 0, else dy (a select, so a non-finite dy elsewhere does not leak through as NaN; and
 * x = NaN passes dy, as PyTorch's threshold_backward).
 */
export function reluBackward(inputs: { x: tf.Tensor; dy: tf.Tensor }): tf.Tensor {
  const { x, dy } = inputs;
  return tf.where(tf.lessEqual(x, 0), tf.zerosLike(dy), dy);
}
