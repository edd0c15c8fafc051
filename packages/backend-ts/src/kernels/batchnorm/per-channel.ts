import type { Tensor } from '@bnkit/core';
import { f32, tensor, type TsTensor } from '../../tensor.js';

/*
 * Per-channel vectors are float64 while they are computed and only rounded to float32 when they are
 * stored in a result tensor, so the scale and shift that the element loops apply carry no float32 error.
 */

/** A [C] float32 tensor widened to float64. */
export function perChannel(t: Tensor): Float64Array {
  return Float64Array.from(f32(t));
}

/** A [C] result tensor. */
export function channelTensor(values: Float64Array): TsTensor {
  return tensor(Float32Array.from(values), [values.length]);
}

/** `1 / sqrt(variance + eps)` per channel. */
export function inverseStd(variance: Float64Array, eps: number): Float64Array {
  const out = new Float64Array(variance.length);
  for (let c = 0; c < out.length; c++) out[c] = 1 / Math.sqrt(variance[c] + eps);
  return out;
}

/** Element-wise product of two per-channel vectors. */
export function product(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let c = 0; c < out.length; c++) out[c] = a[c] * b[c];
  return out;
}
