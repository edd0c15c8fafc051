import type { Conv2dAttrs, Conv2dBackwardAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import type { KernelContext } from './context.js';
import { explicitPadding, pair, toNCHW, toNHWC, windows } from './windows.js';

/*
 * conv2d on tfjs's channels-last kernels: x NCHW → NHWC, weight OIHW → HWIO, result back to NCHW.
 * The wasm backend only has channels-last convolutions, so one layout serves every device.
 */

const oihwToHwio = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
const hwioToOihw = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [3, 2, 0, 1]) as tf.Tensor4D;

export function conv2d(inputs: { x: tf.Tensor; weight: tf.Tensor; bias: tf.Tensor }, attrs: Conv2dAttrs): tf.Tensor {
  const y = tf.conv2d(toNHWC(inputs.x), oihwToHwio(inputs.weight), pair(attrs.stride), explicitPadding(attrs.padding), 'NHWC');
  return toNCHW(tf.add(y, inputs.bias));
}

/**
 * dW[kh, kw, ci, co] = Σ over n, oh, ow of xPadded[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]: the
 * input windows (im2col) as one [N·OH·OW, KH·KW·Cin] matrix, multiplied by dy as [N·OH·OW, Cout]. Used
 * where the tfjs backend has no Conv2DBackpropFilter kernel (wasm), instead of moving data to another one.
 */
function filterGradientIm2col(x: tf.Tensor4D, dy: tf.Tensor4D, kernel: [number, number], attrs: Conv2dAttrs): tf.Tensor {
  const [n, oh, ow, cout] = dy.shape;
  const cin = x.shape[3];
  const padded = tf.pad(x, explicitPadding(attrs.padding));
  const cols = tf.reshape(windows(padded, kernel, attrs.stride, [oh, ow]), [n * oh * ow, kernel[0] * kernel[1] * cin]);
  const dw = tf.matMul(cols, tf.reshape(dy, [n * oh * ow, cout]), true, false);
  return tf.reshape(dw, [kernel[0], kernel[1], cin, cout]);
}

function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], attrs: Conv2dAttrs, ctx: KernelContext): tf.Tensor {
  if (!ctx.hasKernel('Conv2DBackpropFilter')) return filterGradientIm2col(x, dy, [filterShape[0], filterShape[1]], attrs);
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: attrs.stride,
    pad: explicitPadding(attrs.padding),
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    filterShape,
  } as never) as tf.Tensor;
}

export function conv2dBackward(
  inputs: { x: tf.Tensor; weight: tf.Tensor; dy: tf.Tensor },
  attrs: Conv2dBackwardAttrs,
  ctx: KernelContext,
): Record<string, tf.Tensor> {
  const x = toNHWC(inputs.x);
  const dy = toNHWC(inputs.dy);
  const hwio = oihwToHwio(inputs.weight);
  const dweight = hwioToOihw(filterGradient(x, dy, hwio.shape, attrs, ctx));
  const dbias = tf.sum(inputs.dy, [0, 2, 3]);
  if (attrs.inputGradient === false) return { dweight, dbias };
  // The input gradient is the transposed convolution of dy with the same filter.
  const dx = toNCHW(tf.conv2dTranspose(dy, hwio, x.shape, pair(attrs.stride), explicitPadding(attrs.padding)));
  return { dx, dweight, dbias };
}
