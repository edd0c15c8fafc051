import type { Pair } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';

/** A contract pair as the mutable tuple tfjs's signatures ask for. */
export const pair = (p: Pair): [number, number] => [p[0], p[1]];

/** The four extents of a rank-4 tensor. */
export function dims4(t: tf.Tensor): [number, number, number, number] {
  const s = t.shape as number[];
  return [s[0], s[1], s[2], s[3]];
}

/** NCHW ⇄ NHWC: tfjs's convolution and pooling kernels are channels-last on every backend (wasm is only that). */
export const toNHWC = (t: tf.Tensor): tf.Tensor4D => tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D;
export const toNCHW = (t: tf.Tensor): tf.Tensor4D => tf.transpose(t, [0, 3, 1, 2]) as tf.Tensor4D;

/** Symmetric zero padding of H and W in tfjs's explicit-padding form. */
export function explicitPadding(padding: Pair): [[0, 0], [number, number], [number, number], [0, 0]] {
  return [[0, 0], [padding[0], padding[0]], [padding[1], padding[1]], [0, 0]];
}

/*
 * Pooling windows of a one-channel NHWC tensor [B, H, W, 1] as [B, OH, OW, K] with K = KH·KW in row-major
 * kernel order (index i·KW + j is the element at kernel offset (i, j)), and the adjoint that adds such
 * values back onto the input. When the stride equals the kernel (the usual pooling) the windows tile the
 * input and both directions are a reshape and a transpose; otherwise they are strided slices and a
 * transposed convolution, which every tfjs backend has but which are much slower on wasm.
 */

const tiles = (kernel: Pair, stride: Pair): boolean => kernel[0] === stride[0] && kernel[1] === stride[1];

export function windows(x: tf.Tensor4D, kernel: Pair, stride: Pair, out: Pair): tf.Tensor4D {
  const [b] = x.shape;
  const [oh, ow] = out;
  const [kh, kw] = kernel;
  if (tiles(kernel, stride)) {
    const covered = tf.slice(x, [0, 0, 0, 0], [b, oh * kh, ow * kw, 1]);
    const blocks = tf.transpose(tf.reshape(covered, [b, oh, kh, ow, kw]), [0, 1, 3, 2, 4]);
    return tf.reshape(blocks, [b, oh, ow, kh * kw]);
  }
  const slices: tf.Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const end = [b, i + stride[0] * (oh - 1) + 1, j + stride[1] * (ow - 1) + 1, 1];
      slices.push(tf.stridedSlice(x, [0, i, j, 0], end, [1, stride[0], stride[1], 1]));
    }
  }
  return tf.concat(slices, 3) as tf.Tensor4D;
}

/** The adjoint of `windows`: [B, OH, OW, K] → `inputShape` [B, H, W, 1], overlapping windows summed. */
export function foldWindows(values: tf.Tensor4D, kernel: Pair, stride: Pair, inputShape: [number, number, number, number]): tf.Tensor4D {
  const [b, oh, ow] = values.shape;
  const [kh, kw] = kernel;
  if (tiles(kernel, stride)) {
    const blocks = tf.transpose(tf.reshape(values, [b, oh, ow, kh, kw]), [0, 1, 3, 2, 4]);
    const covered = tf.reshape(blocks, [b, oh * kh, ow * kw, 1]);
    // Rows and columns no window reaches (when the size is not a multiple of the kernel) get nothing.
    return tf.pad(covered, [[0, 0], [0, inputShape[1] - oh * kh], [0, inputShape[2] - ow * kw], [0, 0]]) as tf.Tensor4D;
  }
  // A transposed convolution with one-hot filters (filter k selects kernel offset k) is exactly this sum.
  const selectors = tf.reshape(tf.eye(kh * kw), [kh, kw, 1, kh * kw]) as tf.Tensor4D;
  return tf.conv2dTranspose(values, selectors, inputShape, pair(stride), 'valid');
}
