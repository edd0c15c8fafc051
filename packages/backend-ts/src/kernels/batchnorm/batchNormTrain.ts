import type { BatchNormAttrs, BatchNormInputs, BatchNormTrainOutputs } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import { channelAffine, channelShiftedMoments } from './channel-loops.js';
import { channelTiling } from './geometry.js';
import { channelTensor, inverseStd, perChannel, product } from './per-channel.js';

/** `momentum · running + (1 − momentum) · batch`: momentum is the weight of the old value. */
function runningAverage(running: Float64Array, batch: Float64Array, momentum: number): Float64Array {
  const out = new Float64Array(running.length);
  for (let c = 0; c < out.length; c++) out[c] = momentum * running[c] + (1 - momentum) * batch[c];
  return out;
}

/**
 * Training forward: one float64 pass for the statistics (sums shifted by a value of each channel, see
 * `channelShiftedMoments`: as exact as a two-pass mean-then-deviations, which it replaced to save a pass over
 * x; the one-pass E[x²] − E[x]² without a shift cancels catastrophically on data far from zero), one for y.
 */
export async function batchNormTrain(inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<BatchNormTrainOutputs> {
  const tiling = channelTiling(inputs.x, attrs.axis);
  const x = f32(inputs.x);
  const n = tiling.count;

  const { shift, sum, sumSquares } = channelShiftedMoments(x, tiling);
  const mean = new Float64Array(tiling.channels);
  const squaredDeviations = new Float64Array(tiling.channels);
  for (let c = 0; c < tiling.channels; c++) {
    mean[c] = shift[c] + sum[c] / n;
    // Rounding can leave a near-constant channel a hair below zero; NaN must stay NaN, hence no Math.max.
    const d = sumSquares[c] - (sum[c] * sum[c]) / n;
    squaredDeviations[c] = d < 0 ? 0 : d;
  }

  const biasedVar = new Float64Array(tiling.channels);
  const runningEstimate = new Float64Array(tiling.channels);
  // The contract rejects n <= 1 in training before a kernel runs, so n − 1 > 0 here.
  const estimatorDivisor = attrs.runningVar === 'unbiased' ? n - 1 : n;
  for (let c = 0; c < tiling.channels; c++) {
    biasedVar[c] = squaredDeviations[c] / n;
    runningEstimate[c] = squaredDeviations[c] / estimatorDivisor;
  }
  const invStd = inverseStd(biasedVar, attrs.eps);

  const y = sharedFloat32ForOverwrite(x.length);
  channelAffine(x, mean, product(perChannel(inputs.gamma), invStd), perChannel(inputs.beta), tiling, y);
  return {
    y: tensor(y, [...inputs.x.shape]),
    runningMean: channelTensor(runningAverage(perChannel(inputs.runningMean), mean, attrs.momentum)),
    runningVar: channelTensor(runningAverage(perChannel(inputs.runningVar), runningEstimate, attrs.momentum)),
    mean: channelTensor(mean),
    invStd: channelTensor(invStd),
  };
}
