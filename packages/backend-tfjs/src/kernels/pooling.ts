import type { Pool2dAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { dims4, explicitPadding } from './windows.js';

/*
 * What the pooling kernels share. Pooling over NCHW. Each channel pools independently, so [N, C, H, W] is viewed as the NHWC tensor
 * [N·C, H, W, 1] (a reshape, no transpose). bnkit's padding semantics differ from tfjs's: tfjs leaves
 * padded cells out of the average (TensorFlow's convention), bnkit counts them as zeros (PyTorch's
 * count_include_pad=True); so the input is padded explicitly (zeros, or -Infinity for max) and pooled 'valid'.
 */

/** The input padded (with `padValue`) as [N·C, H + 2ph, W + 2pw, 1]. */
export function padded(x: tf.Tensor, attrs: Pool2dAttrs, padValue: number): tf.Tensor4D {
  const [n, c, h, w] = dims4(x);
  const flat = tf.reshape(x, [n * c, h, w, 1]) as tf.Tensor4D;
  return attrs.padding[0] || attrs.padding[1] ? tf.pad(flat, explicitPadding(attrs.padding), padValue) : flat;
}

/**
 * dy [N, C, OH, OW] as [N·C, OH, OW, 1], with (OH, OW): the window counts checked() already validated dy
 * against (core's validatePool2d), so they are read off dy rather than derived again.
 */
export function dyView(dy: tf.Tensor): { dy: tf.Tensor4D; out: [number, number] } {
  const [n, c, oh, ow] = dims4(dy);
  return { dy: tf.reshape(dy, [n * c, oh, ow, 1]) as tf.Tensor4D, out: [oh, ow] };
}

/** Crops the padding off a gradient w.r.t. the padded input and restores NCHW. */
export function unpad(dPadded: tf.Tensor4D, x: tf.Tensor, attrs: Pool2dAttrs): tf.Tensor {
  const [n, c, h, w] = dims4(x);
  return tf.reshape(tf.slice(dPadded, [0, attrs.padding[0], attrs.padding[1], 0], [n * c, h, w, 1]), [n, c, h, w]);
}

/** The pooled [N·C, OH, OW, 1] back as [N, C, OH, OW]. */
export function pooledAsNCHW(y: tf.Tensor4D, x: tf.Tensor): tf.Tensor {
  const [n, c] = dims4(x);
  return tf.reshape(y, [n, c, y.shape[1], y.shape[2]]);
}

/** The window counts of a 'valid' pooling of `input` [B, H, W, 1]. */
export function outputSize(input: tf.Tensor4D, attrs: Pool2dAttrs): [number, number] {
  const [, h, w] = input.shape;
  return [Math.floor((h - attrs.kernel[0]) / attrs.stride[0]) + 1, Math.floor((w - attrs.kernel[1]) / attrs.stride[1]) + 1];
}
