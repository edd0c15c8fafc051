import type { TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';

/** Plain SGD: a new tensor param − lr·grad (parameters are small; run on the calling thread). */
export const sgd: TrainingKernels['sgd'] = async ({ param, grad }, { lr }) => {
  const p = f32(param);
  const g = f32(grad);
  const out = sharedFloat32ForOverwrite(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] - lr * g[i];
  return tensor(out, param.shape);
};
