import type { Conv2dAttrs, Conv2dBackwardAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { oihwToHwio } from './conv2d.js';
import type { KernelContext } from './context.js';
import { convolveNHWC } from './convolution.js';
import { dims4, explicitPadding, pair, toNCHW, toNHWC } from './windows.js';

/* conv2d's gradients, on the same channels-last layout as the forward pass (conv2d.ts). */

const hwioToOihw = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [3, 2, 0, 1]) as tf.Tensor4D;

/**
 * Backends whose filter gradient comes from `filterGradientAsConv`: wasm has no Conv2DBackpropFilter
 * kernel, and tfjs-backend-cpu's is a scalar loop that took 6.8 s for LeNet's conv1 at batch 256 where the
 * convolution below took 0.18 s (measured here). The webgpu and libtensorflow kernels are used as they are.
 */
const FILTER_GRADIENT_AS_CONV = new Set(['wasm', 'cpu']);

/**
 * dW[o, i, kh, kw] = Σ over n, oh, ow of xPadded[n, i, oh·s + kh, ow·s + kw] · dy[n, o, oh, ow] is itself
 * a convolution: x as [Cin, H, W, N] (input channels as the batch, the batch as channels) convolved with
 * dy as a [OH, OW, N, Cout] filter dilated by the stride. Its output is [Cin, ≥KH, ≥KW, Cout]; rows past
 * KH (when the stride leaves part of the padded input unused) are dropped.
 */
function filterGradientAsConv(x: tf.Tensor, dy: tf.Tensor, weightShape: number[], attrs: Conv2dAttrs): tf.Tensor {
  const [cout, cin, kh, kw] = weightShape;
  const batchAsChannels = tf.transpose(x, [1, 2, 3, 0]) as tf.Tensor4D;
  const dyAsFilter = tf.transpose(dy, [2, 3, 0, 1]) as tf.Tensor4D;
  const full = convolveNHWC(batchAsChannels, dyAsFilter, [1, 1], explicitPadding(attrs.padding), pair(attrs.stride));
  return tf.transpose(tf.slice(full, [0, 0, 0, 0], [cin, kh, kw, cout]), [3, 0, 1, 2]);
}

function filterGradient(x: tf.Tensor, dy: tf.Tensor, weight: tf.Tensor, attrs: Conv2dAttrs, ctx: KernelContext): tf.Tensor {
  if (FILTER_GRADIENT_AS_CONV.has(ctx.device) || !ctx.hasKernel('Conv2DBackpropFilter')) {
    return filterGradientAsConv(x, dy, weight.shape, attrs);
  }
  const [cout, cin, kh, kw] = weight.shape;
  const hwio = tf.engine().runKernel('Conv2DBackpropFilter', { x: toNHWC(x), dy: toNHWC(dy) }, {
    strides: pair(attrs.stride),
    pad: explicitPadding(attrs.padding),
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    filterShape: [kh, kw, cin, cout],
  } as never) as tf.Tensor;
  return hwioToOihw(hwio);
}

/**
 * wasm's Conv2DBackpropInput took 97 ms for LeNet's conv2 input gradient at batch 256 where the same
 * result as a forward convolution took 29 ms (measured here; on cpu and webgpu the transposed convolution
 * is the faster one, so they keep it).
 */
const INPUT_GRADIENT_AS_CONV = new Set(['wasm']);

/**
 * For stride 1, dx is the full correlation of dy with the weight flipped in space and with its in/out
 * channels swapped: pad dy by KH−1−ph and KW−1−pw, then a 'valid' convolution.
 */
function inputGradientAsConv(dy: tf.Tensor4D, weight: tf.Tensor, attrs: Conv2dAttrs): tf.Tensor4D {
  const [, , kh, kw] = weight.shape;
  const flipped = tf.reverse(tf.transpose(weight, [2, 3, 0, 1]), [0, 1]) as tf.Tensor4D; // [KH, KW, Cout, Cin]
  const p: [number, number] = [kh - 1 - attrs.padding[0], kw - 1 - attrs.padding[1]];
  return convolveNHWC(tf.pad(dy, explicitPadding(p)), flipped, [1, 1], explicitPadding([0, 0]));
}

function inputGradient(dy: tf.Tensor4D, weight: tf.Tensor, xShape: [number, number, number, number], attrs: Conv2dAttrs, ctx: KernelContext): tf.Tensor4D {
  const [, , kh, kw] = weight.shape;
  const strideOne = attrs.stride[0] === 1 && attrs.stride[1] === 1;
  if (INPUT_GRADIENT_AS_CONV.has(ctx.device) && strideOne && attrs.padding[0] < kh && attrs.padding[1] < kw) {
    return inputGradientAsConv(dy, weight, attrs);
  }
  // The transposed convolution of dy with the same filter.
  return tf.conv2dTranspose(dy, oihwToHwio(weight), xShape, pair(attrs.stride), explicitPadding(attrs.padding));
}

export function conv2dBackward(
  inputs: { x: tf.Tensor; weight: tf.Tensor; dy: tf.Tensor },
  attrs: Conv2dBackwardAttrs,
  ctx: KernelContext,
): Record<string, tf.Tensor> {
  const dweight = filterGradient(inputs.x, inputs.dy, inputs.weight, attrs, ctx);
  const dbias = tf.sum(inputs.dy, [0, 2, 3]);
  if (attrs.inputGradient === false) return { dweight, dbias };
  const [n, cin, h, w] = dims4(inputs.x);
  const dx = inputGradient(toNHWC(inputs.dy), inputs.weight, [n, h, w, cin], attrs, ctx);
  return { dx: toNCHW(dx), dweight, dbias };
}
