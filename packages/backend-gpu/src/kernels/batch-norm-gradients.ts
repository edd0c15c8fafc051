import type { BatchNormGradients, BatchNormLayout } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { channelOfElement, type CentredMean } from './batch-norm-statistics.js';
import { PRODUCT_WITH_STANDARDISED, SUM, channelSum } from './channel-sum.js';
import { kernelSource } from './source.js';

/**
 * The gradients shared by both modes, given the statistics x was normalised with (mean as (k, r)).
 *
 * Training mode back-propagates through the batch mean and variance,
 * `dx = gamma·s/n · (n·dy − dbeta − xhat·dgamma)` with `xhat = ((x − k) − r)·s`, evaluated in that order:
 * for a constant channel (variance 0, s = 1/sqrt(eps) large) `n·dy − dbeta` cancels exactly before it is
 * scaled, where a regrouped `A·dy + D` would leave float32 rounding error times s. The per-channel factors
 * are packed into one [4, C] tensor (gamma·s/n, dbeta, s·dgamma, r) by a small kernel, so the per-element
 * kernel binds four arrays: gpu.js asks WebGPU for the default limit of 8 storage buffers per kernel,
 * output included. Eval mode treats the statistics as constants: `dx = dy·gamma·s`.
 */
export async function batchNormGradients(
  ctx: KernelContext,
  layout: BatchNormLayout,
  tensors: { x: GpuTensor; dy: GpuTensor; gamma: GpuTensor; mean: CentredMean; invStd: GpuTensor },
  batchStatistics: boolean,
): Promise<BatchNormGradients> {
  const { x, dy, gamma, mean, invStd } = tensors;
  const C = layout.channels;
  const n = layout.count;
  const dbeta = await channelSum(ctx, layout, SUM, [dy]);
  const dgamma = await channelSum(ctx, layout, PRODUCT_WITH_STANDARDISED, [x, mean.k, mean.r, invStd, dy]);
  if (!batchStatistics) {
    const source = kernelSource(['dy', 'gamma', 'invStd'], `${channelOfElement(layout)}\nreturn dy[e] * (gamma[c] * invStd[c]);`);
    const dx = await ctx.run(source, x.shape, [dy, gamma, invStd]);
    return { dx, dgamma, dbeta };
  }
  const coefficients = await ctx.run(
    kernelSource(
      ['gamma', 's', 'r', 'dbeta', 'dgamma'],
      `const t = this.thread.x;
const which = divFloor(t, ${C});
const c = t - which * ${C};
if (which === 0) {
  return gamma[c] * s[c] / ${n};
}
if (which === 1) {
  return dbeta[c];
}
if (which === 2) {
  return s[c] * dgamma[c];
}
return r[c];`,
    ),
    [4, C],
    [gamma, invStd, mean.r, dbeta, dgamma],
  );
  try {
    const source = kernelSource(
      ['x', 'dy', 'k', 'coef'],
      `${channelOfElement(layout)}
return coef[c] * (${n} * dy[e] - coef[${C} + c] - ((x[e] - k[c]) - coef[${3 * C} + c]) * coef[${2 * C} + c]);`,
    );
    const dx = await ctx.run(source, x.shape, [x, dy, mean.k, coefficients]);
    return { dx, dgamma, dbeta };
  } finally {
    ctx.dispose(coefficients);
  }
}
