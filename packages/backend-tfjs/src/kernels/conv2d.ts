import type { Conv2dAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { convolveNHWC } from './convolution.js';
import { explicitPadding, pair, toNCHW, toNHWC } from './windows.js';

/*
 * conv2d on tfjs's channels-last kernels: x NCHW → NHWC, weight OIHW → HWIO, result back to NCHW.
 * The wasm backend only has channels-last convolutions, so one layout serves every device.
 */

export const oihwToHwio = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;

export function conv2d(inputs: { x: tf.Tensor; weight: tf.Tensor; bias: tf.Tensor }, attrs: Conv2dAttrs): tf.Tensor {
  const y = convolveNHWC(toNHWC(inputs.x), oihwToHwio(inputs.weight), pair(attrs.stride), explicitPadding(attrs.padding));
  return toNCHW(tf.add(y, inputs.bias));
}
