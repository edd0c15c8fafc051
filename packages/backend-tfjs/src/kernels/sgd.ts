import * as tf from '@tensorflow/tfjs';

/** param − lr · grad, as a new tensor. */
export function sgd(inputs: { param: tf.Tensor; grad: tf.Tensor }, attrs: { lr: number }): tf.Tensor {
  return tf.sub(inputs.param, tf.mul(inputs.grad, attrs.lr));
}
