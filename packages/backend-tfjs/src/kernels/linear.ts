import * as tf from '@tensorflow/tfjs';

/** y = x·Wᵀ + b with W in PyTorch's [out, in] layout. */
export function linear(inputs: { x: tf.Tensor; weight: tf.Tensor; bias: tf.Tensor }): tf.Tensor {
  return tf.add(tf.matMul(inputs.x, inputs.weight, false, true), inputs.bias);
}
