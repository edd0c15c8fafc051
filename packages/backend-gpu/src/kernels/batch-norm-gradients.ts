import type { BatchNormGradients, BatchNormLayout } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { bindShift, channelOfElement } from './batch-norm-statistics.js';
import { channelPartials } from './channel-sum.js';
import { kernelSource } from './source.js';
import { rowSum } from './sum-rows.js';

/**
 * The gradients shared by both modes, given the shift k and inverse std s that x was normalised with.
 *
 * One stage-one kernel sums, per channel, Σ dy (= dbeta), Σ dy·(x − k) and, in training mode, Σ (x − k)
 * (n·r, the residual mean): dgamma = Σ dy·xhat = s·(Σ dy·(x − k) − r·dbeta). k is the forward's float32
 * mean there, so r is a rounding residual and the subtraction loses nothing; in eval mode r = 0.
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
  tensors: { x: GpuTensor; dy: GpuTensor; gamma: GpuTensor; shift: GpuTensor; invStd: GpuTensor },
  batchStatistics: boolean,
): Promise<BatchNormGradients> {
  const { x, dy, gamma, shift, invStd } = tensors;
  const C = layout.channels;
  const n = layout.count;
  const k = bindShift(layout, shift);
  const params = ['x', 'dy', ...k.params];
  const terms = [
    { params, statement: 'acc += dy[idx];' },
    { params, statement: `acc += dy[idx] * (x[idx] - ${k.at});` },
    ...(batchStatistics ? [{ params, statement: `acc += x[idx] - ${k.at};` }] : []),
  ];
  const sums = await channelPartials(ctx, layout, terms, [x, dy, ...k.args]);
  try {
    const w = sums.width;
    // Statements declaring dbeta, r and dgamma for channel c from the partial sums q, with s bound.
    const dbetaOf = rowSum('dbeta', 'q', 'c', w);
    const dgammaOf = batchStatistics
      ? `${dbetaOf}\n${rowSum('centred', 'q', `${C} + c`, w)}\n${rowSum('shifted', 'q', `${2 * C} + c`, w)}
const r = shifted * ${1 / n};
const dgamma = s[c] * (centred - r * dbeta);`
      : `${rowSum('centred', 'q', `${C} + c`, w)}\nconst dgamma = s[c] * centred;`;
    const perChannel = (params: string[], body: string, args: GpuTensor[]) =>
      ctx.run(kernelSource(params, `const c = this.thread.x;\n${body}`), [C], args);
    const dbeta = await perChannel(['q'], `${dbetaOf}\nreturn dbeta;`, [sums.partials]);
    const dgamma = await perChannel(['q', 's'], `${dgammaOf}\nreturn dgamma;`, [sums.partials, invStd]);
    if (!batchStatistics) {
      const source = kernelSource(['dy', 'gamma', 'invStd'], `${channelOfElement(layout)}\nreturn dy[e] * (gamma[c] * invStd[c]);`);
      const dx = await ctx.run(source, x.shape, [dy, gamma, invStd]);
      return { dx, dgamma, dbeta };
    }
    const coefficients = await ctx.run(
      kernelSource(
        ['q', 'gamma', 's'],
        `const t = this.thread.x;
const which = divFloor(t, ${C});
const c = t - which * ${C};
${dgammaOf}
if (which === 0) {
  return gamma[c] * s[c] / ${n};
}
if (which === 1) {
  return dbeta;
}
if (which === 2) {
  return s[c] * dgamma;
}
return r;`,
      ),
      [4, C],
      [sums.partials, gamma, invStd],
    );
    try {
      const source = kernelSource(
        ['x', 'dy', ...k.params, 'coef'],
        `${channelOfElement(layout)}
return coef[c] * (${n} * dy[e] - coef[${C} + c] - ((x[e] - ${k.at}) - coef[${3 * C} + c]) * coef[${2 * C} + c]);`,
      );
      const dx = await ctx.run(source, x.shape, [x, dy, ...k.args, coefficients]);
      return { dx, dgamma, dbeta };
    } finally {
      ctx.dispose(coefficients);
    }
  } finally {
    sums.release();
  }
}
