import { sizeOf, type TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';

/**
 * Index of the maximum along the last axis, int32, rank reduced by one. The first maximum wins ties (strict
 * >); NaN counts as the maximum, as in PyTorch.
 */
export const argmax: TrainingKernels['argmax'] = async ({ x }) => {
  const k = x.shape[x.shape.length - 1];
  const outShape = x.shape.slice(0, -1);
  const rows = sizeOf(outShape);
  const v = f32(x);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    let best = 0;
    let bestValue = v[o];
    if (bestValue === bestValue) {
      for (let j = 1; j < k; j++) {
        const value = v[o + j];
        if (value > bestValue || value !== value) {
          best = j;
          bestValue = value;
          if (value !== value) break;
        }
      }
    }
    out[r] = best;
  }
  return tensor(out, outShape);
};
