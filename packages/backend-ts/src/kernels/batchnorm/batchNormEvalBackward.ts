import type { BatchNormAttrs, BatchNormEvalBackwardInputs, BatchNormGradients } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import { channelAffine, channelGradientSums } from './channel-loops.js';
import { channelTiling } from './geometry.js';
import { channelTensor, inverseStd, perChannel, product } from './per-channel.js';

/**
 * Eval backward. The running statistics are constants here, so dx = dy · gamma / sqrt(runningVar + eps)
 * has no batch terms; dgamma = Σ dy · xhat and dbeta = Σ dy use xhat = (x − runningMean) · invStd.
 * (The running mean is exact as given, so the sums' mean-error term is not needed here.)
 */
export async function batchNormEvalBackward(inputs: BatchNormEvalBackwardInputs, attrs: BatchNormAttrs): Promise<BatchNormGradients> {
  const tiling = channelTiling(inputs.x, attrs.axis);
  const dy = f32(inputs.dy);
  const runningMean = perChannel(inputs.runningMean);
  const invStd = inverseStd(perChannel(inputs.runningVar), attrs.eps);

  const { sumDy, sumDyCentered } = channelGradientSums(dy, f32(inputs.x), runningMean, tiling);
  const zero = new Float64Array(tiling.channels);
  const dx = sharedFloat32ForOverwrite(dy.length);
  channelAffine(dy, zero, product(perChannel(inputs.gamma), invStd), zero, tiling, dx);
  return { dx: tensor(dx, [...inputs.x.shape]), dgamma: channelTensor(product(sumDyCentered, invStd)), dbeta: channelTensor(sumDy) };
}
