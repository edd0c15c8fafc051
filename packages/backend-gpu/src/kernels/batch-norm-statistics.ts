import type { BatchNormLayout } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { SHIFTED_SUM, channelSum } from './channel-sum.js';
import { kernelSource } from './source.js';

/*
 * A channel's mean is carried as a pair (k, r): k a float32 value near it, r = mean(x − k). See the
 * DEVIATION note in channel-sum.ts for why a single float32 mean is not enough.
 */
export interface CentredMean {
  readonly k: GpuTensor;
  readonly r: GpuTensor;
}

/** Statements declaring `c`, the channel of flat element `e` of x viewed as [outer, C, inner]. */
export function channelOfElement(layout: BatchNormLayout): string {
  const { outer, channels: C, inner } = layout;
  const lines = ['const e = this.thread.x;'];
  lines.push(inner === 1 ? 'const ci = e;' : `const ci = divFloor(e, ${inner});`);
  lines.push(outer === 1 ? 'const c = ci;' : `const c = ci - divFloor(ci, ${C}) * ${C};`);
  return lines.join('\n');
}

/** The batch mean of x per channel as (k, r), taking k = `shift` or, by default, each channel's first value. */
export async function batchMean(ctx: KernelContext, layout: BatchNormLayout, x: GpuTensor, shift?: GpuTensor): Promise<CentredMean> {
  const k = shift ?? (await ctx.run(kernelSource(['x'], `return x[this.thread.x * ${layout.inner}];`), [layout.channels], [x]));
  const r = await channelSum(ctx, layout, SHIFTED_SUM, [x, k], 1 / layout.count);
  return { k, r };
}

/** `1 / sqrt(variance + eps)` per channel. */
export function inverseStd(ctx: KernelContext, variance: GpuTensor, eps: number): Promise<GpuTensor> {
  return ctx.run(kernelSource(['v', 'eps'], 'return 1 / Math.sqrt(v[this.thread.x] + eps);'), variance.shape, [variance, eps]);
}

/**
 * Eval mode's statistics, the running ones, for the duration of `use`: the mean as (running mean, residual
 * zero) and its inverse std. Both eval kernels normalise with exactly these and free them afterwards.
 */
export async function withRunningStatistics<T>(
  ctx: KernelContext,
  running: { readonly runningMean: GpuTensor; readonly runningVar: GpuTensor },
  eps: number,
  use: (mean: CentredMean, invStd: GpuTensor) => Promise<T>,
): Promise<T> {
  const invStd = await inverseStd(ctx, running.runningVar, eps);
  const { runningMean } = running;
  const mean = { k: runningMean, r: ctx.adopt(ctx.storage.upload(new Float32Array(runningMean.size)), runningMean.shape, 'float32') };
  try {
    return await use(mean, invStd);
  } finally {
    ctx.dispose(invStd, mean.r);
  }
}

/** `y = gamma · ((x − k) − r) · invStd + beta`, per channel. */
export function normalise(
  ctx: KernelContext,
  layout: BatchNormLayout,
  x: GpuTensor,
  gamma: GpuTensor,
  beta: GpuTensor,
  mean: CentredMean,
  invStd: GpuTensor,
): Promise<GpuTensor> {
  const source = kernelSource(
    ['x', 'gamma', 'beta', 'k', 'r', 'invStd'],
    `${channelOfElement(layout)}
return gamma[c] * (((x[e] - k[c]) - r[c]) * invStd[c]) + beta[c];`,
  );
  return ctx.run(source, x.shape, [x, gamma, beta, mean.k, mean.r, invStd]);
}
