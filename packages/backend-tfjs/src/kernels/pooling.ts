import type { Pool2dAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { exactMaxPool, foldWindowsExact, isMaximum } from './nan.js';
import { dims4, explicitPadding, pair, windows } from './windows.js';

/*
 * Pooling over NCHW. Each channel pools independently, so [N, C, H, W] is viewed as the NHWC tensor
 * [N·C, H, W, 1] (a reshape, no transpose). bnkit's padding semantics differ from tfjs's: tfjs leaves
 * padded cells out of the average (TensorFlow's convention), bnkit counts them as zeros (PyTorch's
 * count_include_pad=True); so the input is padded explicitly (zeros, or -Infinity for max) and pooled 'valid'.
 */

/** The input padded (with `padValue`) as [N·C, H + 2ph, W + 2pw, 1]. */
function padded(x: tf.Tensor, attrs: Pool2dAttrs, padValue: number): tf.Tensor4D {
  const [n, c, h, w] = dims4(x);
  const flat = tf.reshape(x, [n * c, h, w, 1]) as tf.Tensor4D;
  return attrs.padding[0] || attrs.padding[1] ? tf.pad(flat, explicitPadding(attrs.padding), padValue) : flat;
}

/**
 * dy [N, C, OH, OW] as [N·C, OH, OW, 1], with (OH, OW): the window counts checked() already validated dy
 * against (core's validatePool2d), so they are read off dy rather than derived again.
 */
function dyView(dy: tf.Tensor): { dy: tf.Tensor4D; out: [number, number] } {
  const [n, c, oh, ow] = dims4(dy);
  return { dy: tf.reshape(dy, [n * c, oh, ow, 1]) as tf.Tensor4D, out: [oh, ow] };
}

/** Crops the padding off a gradient w.r.t. the padded input and restores NCHW. */
function unpad(dPadded: tf.Tensor4D, x: tf.Tensor, attrs: Pool2dAttrs): tf.Tensor {
  const [n, c, h, w] = dims4(x);
  return tf.reshape(tf.slice(dPadded, [0, attrs.padding[0], attrs.padding[1], 0], [n * c, h, w, 1]), [n, c, h, w]);
}

/** The pooled [N·C, OH, OW, 1] back as [N, C, OH, OW]. */
function pooledAsNCHW(y: tf.Tensor4D, x: tf.Tensor): tf.Tensor {
  const [n, c] = dims4(x);
  return tf.reshape(y, [n, c, y.shape[1], y.shape[2]]);
}

/** The window counts of a 'valid' pooling of `input` [B, H, W, 1]. */
function outputSize(input: tf.Tensor4D, attrs: Pool2dAttrs): [number, number] {
  const [, h, w] = input.shape;
  return [Math.floor((h - attrs.kernel[0]) / attrs.stride[0]) + 1, Math.floor((w - attrs.kernel[1]) / attrs.stride[1]) + 1];
}

/**
 * The mean of each window's cells, not tfjs's AvgPool: XNNPACK's (wasm) clamps a NaN average to -Infinity,
 * while a mean keeps NaN and ∞ − ∞ as IEEE has them (docs/nan-semantics.md).
 */
export function avgPool2d(inputs: { x: tf.Tensor }, attrs: Pool2dAttrs): tf.Tensor {
  const input = padded(inputs.x, attrs, 0);
  return pooledAsNCHW(tf.mean(windows(input, attrs.kernel, attrs.stride, outputSize(input, attrs)), 3, true) as tf.Tensor4D, inputs.x);
}

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

export function maxPool2d(inputs: { x: tf.Tensor }, attrs: Pool2dAttrs): tf.Tensor {
  const input = padded(inputs.x, attrs, -Infinity);
  const [kernel, stride] = [pair(attrs.kernel), pair(attrs.stride)];
  return pooledAsNCHW(exactMaxPool(input, tf.maxPool(input, kernel, stride, 'valid'), kernel, stride) as tf.Tensor4D, inputs.x);
}

/**
 * The whole gradient of each window goes to its FIRST maximum in row-major order (PyTorch's choice), NaN
 * counting as the largest value; padded cells are never chosen.
 * tfjs's MaxPoolGrad kernels do not agree on ties across backends, so the choice is made explicitly:
 * the first maximum is the maximum whose running count of maxima within the window is 1.
 */
export function maxPool2dBackward(inputs: { x: tf.Tensor; dy: tf.Tensor }, attrs: Pool2dAttrs): tf.Tensor {
  const input = padded(inputs.x, attrs, -Infinity);
  const { dy, out } = dyView(inputs.dy);
  const cells = windows(input, attrs.kernel, attrs.stride, out);
  // Padding acts as -Infinity but is never a window's maximum: a window whose real cells are all -Infinity
  // routes its gradient to the first of them, as PyTorch does, not to a padded cell before it.
  const real = windows(padded(tf.onesLike(inputs.x), attrs, 0), attrs.kernel, attrs.stride, out);
  const isMax = tf.mul(tf.cast(isMaximum(cells, 3), 'float32'), real);
  const first = tf.mul(isMax, tf.cast(tf.equal(tf.cumsum(isMax, 3), 1), 'float32'));
  // A select, not first·dy: a bad dy must reach only its window's maximum, never the cells multiplied by 0.
  const routed = tf.where(tf.greater(first, 0), tf.mul(tf.onesLike(first), dy), tf.zerosLike(first)) as tf.Tensor4D;
  return unpad(foldWindowsExact(routed, attrs.kernel, attrs.stride, dims4(input)) as tf.Tensor4D, inputs.x, attrs);
}
