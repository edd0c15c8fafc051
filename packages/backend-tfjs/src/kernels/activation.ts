import * as tf from '@tensorflow/tfjs';

export function sigmoid(inputs: { x: tf.Tensor }): tf.Tensor {
  return tf.sigmoid(inputs.x);
}

/** dx = dy · y · (1 − y), from the forward output. */
export function sigmoidBackward(inputs: { y: tf.Tensor; dy: tf.Tensor }): tf.Tensor {
  const { y, dy } = inputs;
  return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
}

export function relu(inputs: { x: tf.Tensor }): tf.Tensor {
  return tf.relu(inputs.x);
}

/**
 * dx = 0 where x <= 0, else dy (a select, so a non-finite dy elsewhere does not leak through as NaN; and
 * x = NaN passes dy, as PyTorch's threshold_backward).
 */
export function reluBackward(inputs: { x: tf.Tensor; dy: tf.Tensor }): tf.Tensor {
  const { x, dy } = inputs;
  return tf.where(tf.lessEqual(x, 0), tf.zerosLike(dy), dy);
}
