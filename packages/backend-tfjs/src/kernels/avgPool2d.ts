import type { Pool2dAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { outputSize, padded, pooledAsNCHW } from './pooling.js';
import { windows } from './windows.js';

/**
 * The mean of each window's cells, not tfjs's AvgPool: XNNPACK's (wasm) clamps a NaN average to -Infinity,
 * while a mean keeps NaN and ∞ − ∞ as IEEE has them (docs/nan-semantics.md).
 */
export function avgPool2d(inputs: { x: tf.Tensor }, attrs: Pool2dAttrs): tf.Tensor {
  const input = padded(inputs.x, attrs, 0);
  return pooledAsNCHW(tf.mean(windows(input, attrs.kernel, attrs.stride, outputSize(input, attrs)), 3, true) as tf.Tensor4D, inputs.x);
}
