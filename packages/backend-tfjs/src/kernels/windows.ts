import type { Pair } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';

/*
 * Sliding-window helpers on NHWC tensors, shared by the conv2d weight gradient and the pooling gradients.
 * They are built from slices, stacks and a transposed convolution, ops every tfjs backend has.
 */

/** NCHW ⇄ NHWC: tfjs's convolution and pooling kernels are channels-last on every backend (wasm is only that). */
export const toNHWC = (t: tf.Tensor): tf.Tensor4D => tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D;
export const toNCHW = (t: tf.Tensor): tf.Tensor4D => tf.transpose(t, [0, 3, 1, 2]) as tf.Tensor4D;

/** A contract pair as the mutable tuple tfjs's signatures ask for. */
export const pair = (p: Pair): [number, number] => [p[0], p[1]];

/** The four extents of a rank-4 tensor. */
export function dims4(t: tf.Tensor): [number, number, number, number] {
  const s = t.shape as number[];
  return [s[0], s[1], s[2], s[3]];
}

/** Symmetric zero padding of H and W in tfjs's explicit-padding form. */
export function explicitPadding(padding: Pair): [[0, 0], [number, number], [number, number], [0, 0]] {
  return [[0, 0], [padding[0], padding[0]], [padding[1], padding[1]], [0, 0]];
}

/**
 * Every kernel window of a (padded) NHWC input: [N, OH, OW, KH·KW, C], windows in row-major kernel
 * order (kernel row, then kernel column), so index `i·KW + j` is the element at kernel offset (i, j).
 */
export function windows(x: tf.Tensor4D, kernel: Pair, stride: Pair, out: Pair): tf.Tensor {
  const [n, , , c] = x.shape;
  const [oh, ow] = out;
  const slices: tf.Tensor[] = [];
  for (let i = 0; i < kernel[0]; i++) {
    for (let j = 0; j < kernel[1]; j++) {
      const end = [n, i + stride[0] * (oh - 1) + 1, j + stride[1] * (ow - 1) + 1, c];
      slices.push(tf.stridedSlice(x, [0, i, j, 0], end, [1, stride[0], stride[1], 1]));
    }
  }
  return tf.stack(slices, 3);
}

/**
 * The adjoint of `windows` for one channel: adds each window's K = KH·KW values back onto the input
 * positions they were taken from. `values` is [N, OH, OW, K]; the result has `inputShape` [N, H, W, 1].
 * A transposed convolution with one-hot filters (filter k selects offset k) does exactly this sum.
 */
export function foldWindows(values: tf.Tensor4D, kernel: Pair, stride: Pair, inputShape: [number, number, number, number]): tf.Tensor4D {
  const k = kernel[0] * kernel[1];
  const selectors = tf.reshape(tf.eye(k), [kernel[0], kernel[1], 1, k]) as tf.Tensor4D;
  return tf.conv2dTranspose(values, selectors, inputShape, pair(stride), 'valid');
}
