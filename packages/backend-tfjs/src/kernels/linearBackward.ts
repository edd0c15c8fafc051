import * as tf from '@tensorflow/tfjs';

/** dx = dy·W, dW = dyᵀ·x, dbias = Σ dy over the batch. */
export function linearBackward(inputs: { x: tf.Tensor; weight: tf.Tensor; dy: tf.Tensor }) {
  const { x, weight, dy } = inputs;
  return {
    dx: tf.matMul(dy, weight),
    dweight: tf.matMul(dy, x, true, false),
    dbias: tf.sum(dy, 0),
  };
}
