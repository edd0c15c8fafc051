import * as tf from '@tensorflow/tfjs';

/** y = x·Wᵀ + b with W in PyTorch's [out, in] layout. */
export function linear(inputs: { x: tf.Tensor; weight: tf.Tensor; bias: tf.Tensor }): tf.Tensor {
  return tf.add(tf.matMul(inputs.x, inputs.weight, false, true), inputs.bias);
}

export function linearBackward(inputs: { x: tf.Tensor; weight: tf.Tensor; dy: tf.Tensor }) {
  const { x, weight, dy } = inputs;
  return {
    dx: tf.matMul(dy, weight),
    dweight: tf.matMul(dy, x, true, false),
    dbias: tf.sum(dy, 0),
  };
}
