import { sizeOf, type TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';

/** relu and its gradient (dx = 0 where x <= 0, else dy): memory-bound, run on the calling thread. */
export const reluKernels: Pick<TrainingKernels, 'relu' | 'reluBackward'> = {
  async relu({ x }) {
    const src = f32(x);
    const y = sharedFloat32ForOverwrite(src.length);
    // `v < 0 ? 0 : v` rather than Math.max so NaN propagates (as in PyTorch).
    for (let i = 0; i < src.length; i++) y[i] = src[i] < 0 ? 0 : src[i];
    return tensor(y, x.shape);
  },
  async reluBackward({ x, dy }) {
    const xs = f32(x);
    const g = f32(dy);
    const dx = sharedFloat32ForOverwrite(sizeOf(x.shape));
    // `x <= 0 ? 0 : dy` rather than `x > 0 ? dy : 0` so x = NaN passes dy through, as PyTorch's threshold_backward.
    for (let i = 0; i < xs.length; i++) dx[i] = xs[i] <= 0 ? 0 : g[i];
    return tensor(dx, x.shape);
  },
};
