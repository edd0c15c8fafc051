import { sizeOf, type TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';

/** relu's gradient (dx = 0 where x <= 0, else dy): memory-bound, run on the calling thread. */
export const reluBackward: TrainingKernels['reluBackward'] = async ({ x, dy }) => {
  const xs = f32(x);
  const g = f32(dy);
  const dx = sharedFloat32ForOverwrite(sizeOf(x.shape));
  // `x <= 0 ? 0 : dy` rather than `x > 0 ? dy : 0` so x = NaN passes dy through, as PyTorch's threshold_backward.
  for (let i = 0; i < xs.length; i++) dx[i] = xs[i] <= 0 ? 0 : g[i];
  return tensor(dx, x.shape);
};
