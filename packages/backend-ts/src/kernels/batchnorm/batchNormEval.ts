import type { BatchNormAttrs, BatchNormInputs, Tensor } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import { channelAffine } from './channel-loops.js';
import { channelTiling } from './geometry.js';
import { inverseStd, perChannel, product } from './per-channel.js';

/** Eval forward: `gamma · (x − runningMean) / sqrt(runningVar + eps) + beta`; running statistics untouched. */
export async function batchNormEval(inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<Tensor> {
  const tiling = channelTiling(inputs.x, attrs.axis);
  const scale = product(perChannel(inputs.gamma), inverseStd(perChannel(inputs.runningVar), attrs.eps));
  const x = f32(inputs.x);
  const y = sharedFloat32ForOverwrite(x.length);
  channelAffine(x, perChannel(inputs.runningMean), scale, perChannel(inputs.beta), tiling, y);
  return tensor(y, [...inputs.x.shape]);
}
