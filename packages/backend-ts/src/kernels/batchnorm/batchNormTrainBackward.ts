import type { BatchNormAttrs, BatchNormGradients, BatchNormTrainBackwardInputs } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import { channelGradientSums, channelInputGradient } from './channel-loops.js';
import { channelTiling } from './geometry.js';
import { channelTensor, perChannel } from './per-channel.js';

/**
 * Training backward with the batch statistics saved by the forward pass:
 *   dbeta = Σ dy,  dgamma = Σ dy · xhat,  dx = gamma · invStd / n · (n · dy − dbeta − xhat · dgamma).
 * With xhat = (x − mean) · invStd and a = gamma · invStd this is, per channel,
 *   dx = a · dy − a · invStd · dgamma / n · (x − mean) − a · dbeta / n,
 * one pass for the sums and one pass for dx.
 *
 * The saved mean is a float32 tensor. On data with a large offset its rounding error is not small
 * against the spread (1e3 ± 6e-3: up to 3e-5, i.e. 0.005 in xhat) and would shift dx by about 1 %, so
 * the sums pass also measures Σ (x − savedMean) and the exact float64 batch mean is recovered from it.
 */
export async function batchNormTrainBackward(inputs: BatchNormTrainBackwardInputs, attrs: BatchNormAttrs): Promise<BatchNormGradients> {
  const tiling = channelTiling(inputs.x, attrs.axis);
  const x = f32(inputs.x);
  const dy = f32(inputs.dy);
  const gamma = perChannel(inputs.gamma);
  const mean = perChannel(inputs.mean);
  const invStd = perChannel(inputs.invStd);
  const n = tiling.count;

  const { sumDy, sumDyCentered, sumCentered } = channelGradientSums(dy, x, mean, tiling);
  const dgamma = new Float64Array(tiling.channels);
  const dyScale = new Float64Array(tiling.channels);
  const xScale = new Float64Array(tiling.channels);
  const shift = new Float64Array(tiling.channels);
  for (let c = 0; c < tiling.channels; c++) {
    const meanError = sumCentered[c] / n;
    mean[c] += meanError;
    // Σ dy · (x − exactMean) = Σ dy · (x − savedMean) − meanError · Σ dy
    dgamma[c] = (sumDyCentered[c] - meanError * sumDy[c]) * invStd[c];
    const a = gamma[c] * invStd[c];
    dyScale[c] = a;
    xScale[c] = (-a * invStd[c] * dgamma[c]) / n;
    shift[c] = (-a * sumDy[c]) / n;
  }

  const dx = sharedFloat32ForOverwrite(x.length);
  channelInputGradient(dy, x, mean, dyScale, xScale, shift, tiling, dx);
  return { dx: tensor(dx, [...inputs.x.shape]), dgamma: channelTensor(dgamma), dbeta: channelTensor(sumDy) };
}
