import * as tf from '@tensorflow/tfjs';

export function relu(inputs: { x: tf.Tensor }): tf.Tensor {
  return tf.relu(inputs.x);
}
