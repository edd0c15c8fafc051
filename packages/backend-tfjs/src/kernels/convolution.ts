import * as tf from '@tensorflow/tfjs';

type ExplicitPadding = [[0, 0], [number, number], [number, number], [0, 0]];

/**
 * tf.conv2d on NHWC with explicit padding, except that a 1×1 filter goes through matMul: XNNPACK's
 * pointwise convolution (the wasm backend) clamps a NaN result to -Infinity, where its matMul keeps NaN as
 * PyTorch does (docs/nan-semantics.md). For a 1×1 filter the dilation does not matter, and the stride is a
 * strided slice of the padded input.
 */
export function convolveNHWC(x: tf.Tensor4D, filter: tf.Tensor4D, stride: [number, number], padding: ExplicitPadding, dilation: [number, number] = [1, 1]): tf.Tensor4D {
  const [kh, kw, cin, cout] = filter.shape;
  if (kh !== 1 || kw !== 1) return tf.conv2d(x, filter, stride, padding, 'NHWC', dilation);
  const padded = tf.pad(x, padding);
  const [n, h, w] = padded.shape;
  const taken = tf.stridedSlice(padded, [0, 0, 0, 0], [n, h, w, cin], [1, stride[0], stride[1], 1]) as tf.Tensor4D;
  const [, oh, ow] = taken.shape;
  return tf.reshape(tf.matMul(tf.reshape(taken, [n * oh * ow, cin]), tf.reshape(filter, [cin, cout])), [n, oh, ow, cout]);
}
