import type { Pool2dAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { dyView, padded, unpad } from './pooling.js';
import { pair } from './windows.js';

/**
 * Every window spreads dy/(KH·KW) over all its cells, padding included: tfjs's AvgPoolGrad on the padded
 * input with 'valid' windows (all full, so its divisor is KH·KW), then the padding cropped off.
 */
export function avgPool2dBackward(inputs: { x: tf.Tensor; dy: tf.Tensor }, attrs: Pool2dAttrs): tf.Tensor {
  const input = padded(inputs.x, attrs, 0);
  const { dy } = dyView(inputs.dy);
  const attrsGrad = { filterSize: pair(attrs.kernel), strides: pair(attrs.stride), pad: 'valid' };
  const dPadded = tf.engine().runKernel('AvgPoolGrad', { dy, input }, attrsGrad as never) as tf.Tensor4D;
  return unpad(dPadded, inputs.x, attrs);
}
