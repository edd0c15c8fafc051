import type { Pair } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { foldWindows } from './windows.js';

/*
 * NaN as PyTorch treats it where tfjs does not (docs/nan-semantics.md): tfjs's max kernels and XNNPACK's
 * pooling on wasm skip NaN or clamp it to -Infinity, so the kernels that must propagate it restore it here.
 */

/**
 * True where v is the maximum along `axis` with NaN the largest value: the NaNs of a slice that holds any,
 * else the elements equal to its maximum.
 */
export function isMaximum(v: tf.Tensor, axis: number): tf.Tensor {
  const nan = tf.cast(tf.isNaN(v), 'float32');
  const atMax = tf.cast(tf.equal(v, tf.max(v, axis, true)), 'float32');
  // Selected by arithmetic: wasm reads out of bounds when a bool tensor is broadcast (broadcastTo or where).
  const hasNan = tf.max(nan, axis, true);
  return tf.greater(tf.add(tf.mul(nan, hasNan), tf.mul(atMax, tf.sub(1, hasNan))), 0);
}

const mask = (c: tf.Tensor) => tf.cast(c, 'float32') as tf.Tensor4D;

/**
 * tfjs's max pooling `y` of `input` (NHWC, one channel) with what its kernels lose put back: NaN for the
 * windows holding one (XNNPACK on wasm skips NaN), -Infinity for those holding nothing else (webgpu starts
 * its maximum at -1e20). Both masks are pooled in one maxPool, stacked along the batch axis.
 */
export function exactMaxPool(input: tf.Tensor4D, y: tf.Tensor4D, kernel: [number, number], stride: [number, number]): tf.Tensor {
  const masks = tf.concat([mask(tf.isNaN(input)), mask(tf.greater(input, -Infinity))], 0);
  const [nan, above] = tf.split(tf.greater(tf.maxPool(masks, kernel, stride, 'valid'), 0), 2, 0);
  return tf.where(nan, tf.fill(y.shape, NaN), tf.where(above, y, tf.fill(y.shape, -Infinity)));
}

/**
 * `foldWindows` that keeps non-finite values where they are added: its strided path is a transposed
 * convolution with one-hot filters, where NaN·0 and ±Infinity·0 would spread a bad value over its whole
 * window. The finite part is folded as is; NaN, +Infinity and -Infinity are folded as counts (stacked along
 * the batch axis, one fold) and put back: NaN where any NaN or both infinities land, else the infinity.
 */
export function foldWindowsExact(values: tf.Tensor4D, kernel: Pair, stride: Pair, inputShape: [number, number, number, number]): tf.Tensor {
  const finite = tf.isFinite(values);
  const folded = foldWindows(tf.where(finite, values, tf.zerosLike(values)) as tf.Tensor4D, kernel, stride, inputShape);
  const masks = [tf.isNaN(values), tf.equal(values, Infinity), tf.equal(values, -Infinity)].map(mask);
  const stacked: [number, number, number, number] = [inputShape[0] * 3, inputShape[1], inputShape[2], inputShape[3]];
  const [nan, pos, neg] = tf.split(tf.greater(foldWindows(tf.concat(masks, 0), kernel, stride, stacked), 0.5), 3, 0);
  const inf = tf.where(pos, tf.fill(folded.shape, Infinity), tf.fill(folded.shape, -Infinity));
  return tf.where(tf.logicalOr(nan, tf.logicalAnd(pos, neg)), tf.fill(folded.shape, NaN), tf.where(tf.logicalOr(pos, neg), inf, folded));
}
