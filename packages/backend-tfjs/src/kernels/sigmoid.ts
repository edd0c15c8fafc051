import * as tf from '@tensorflow/tfjs';

export function sigmoid(inputs: { x: tf.Tensor }): tf.Tensor {
  return tf.sigmoid(inputs.x);
}
