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

/** dx = dy where x > 0, else 0 (a select, so a non-finite dy elsewhere does not leak through as NaN). */
export function reluBackward(inputs: { x: tf.Tensor; dy: tf.Tensor }): tf.Tensor {
  const { x, dy } = inputs;
  return tf.where(tf.greater(x, 0), dy, tf.zerosLike(dy));
}
