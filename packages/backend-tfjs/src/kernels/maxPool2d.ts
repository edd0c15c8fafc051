import type { Pool2dAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { exactMaxPool } from './nan.js';
import { padded, pooledAsNCHW } from './pooling.js';
import { pair } from './windows.js';

export function maxPool2d(inputs: { x: tf.Tensor }, attrs: Pool2dAttrs): tf.Tensor {
  const input = padded(inputs.x, attrs, -Infinity);
  const [kernel, stride] = [pair(attrs.kernel), pair(attrs.stride)];
  return pooledAsNCHW(exactMaxPool(input, tf.maxPool(input, kernel, stride, 'valid'), kernel, stride) as tf.Tensor4D, inputs.x);
}
