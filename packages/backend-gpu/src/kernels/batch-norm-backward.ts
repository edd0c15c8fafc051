import type { BatchNormGradients, BatchNormLayout } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { channelOfElement, type CentredMean } from './batch-norm-common.js';
import { PRODUCT_WITH_STANDARDISED, SUM, channelSum } from './channel-sum.js';
import { kernelSource } from './source.js';

/**
 * The gradients shared by both modes, given the statistics x was normalised with (mean as (k, r)).
 *
 * Training mode back-propagates through the batch mean and variance,
 * `dx = gamma·s/n · (n·dy − dbeta − xhat·dgamma)` with `xhat = ((x − k) − r)·s`, which regroups per channel
 * into `dx = A·dy + B·(x − k) + D`:
 *   A = gamma·s,  B = −gamma·s²·dgamma/n,  D = −gamma·s·dbeta/n + gamma·s²·dgamma·r/n.
 * The coefficients come from one small kernel over [3, C]; the per-element kernel then binds four arrays
 * (gpu.js asks WebGPU for the default limit of 8 storage buffers per kernel, output included).
 * Eval mode treats the statistics as constants: `dx = dy·gamma·s`.
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
const a = gamma[c] * s[c];
const b = (a * s[c]) * dgamma[c] / ${n};
if (which === 0) {
  return a;
}
if (which === 1) {
  return -b;
}
return b * r[c] - a * dbeta[c] / ${n};`,
    ),
    [3, C],
    [gamma, invStd, mean.r, dbeta, dgamma],
  );
  try {
    const source = kernelSource(
      ['x', 'dy', 'k', 'coef'],
      `${channelOfElement(layout)}
return coef[c] * dy[e] + coef[${C} + c] * (x[e] - k[c]) + coef[${2 * C} + c];`,
    );
    const dx = await ctx.run(source, x.shape, [x, dy, mean.k, coefficients]);
    return { dx, dgamma, dbeta };
  } finally {
    ctx.dispose(coefficients);
  }
}
