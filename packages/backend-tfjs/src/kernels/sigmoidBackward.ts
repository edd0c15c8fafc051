import * as tf from '@tensorflow/tfjs';

/** dx = dy · y · (1 − y), from the forward output. */
export function sigmoidBackward(inputs: { y: tf.Tensor; dy: tf.Tensor }): tf.Tensor {
  const { y, dy } = inputs;
  return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
}
