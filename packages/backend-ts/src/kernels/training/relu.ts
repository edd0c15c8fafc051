import type { TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';

/** relu: memory-bound, run on the calling thread. */
export const relu: TrainingKernels['relu'] = async ({ x }) => {
  const src = f32(x);
  const y = sharedFloat32ForOverwrite(src.length);
  // `v < 0 ? 0 : v` rather than Math.max so NaN propagates (as in PyTorch).
  for (let i = 0; i < src.length; i++) y[i] = src[i] < 0 ? 0 : src[i];
  return tensor(y, x.shape);
};
