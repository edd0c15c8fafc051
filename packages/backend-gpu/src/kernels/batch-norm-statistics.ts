import type { BatchNormLayout } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { kernelSource } from './source.js';

/*
 * A channel's mean is carried as a pair (k, r): k a float32 value near it, r = mean(x − k); deviations are
 * taken as `(x − k) − r`. For data far from zero (x ≈ 1000, std 0.005) the float32-rounded mean alone is
 * off by more than the tolerance allows in units of std; `x − k` is exact there (Sterbenz) and r keeps the
 * digits the rounding lost.
 */

/**
 * Where a kernel finds k: `'first'`, each channel's first value in x itself (training forward: no kernel
 * has to copy it out), or a [C] tensor (the forward's mean in backward, the running mean in eval mode).
 */
export type Shift = 'first' | GpuTensor;

/** The extra parameters and arguments of a kernel that reads k, and the expression of k for channel `c`. */
export interface ShiftBinding {
  readonly params: readonly string[];
  readonly args: readonly GpuTensor[];
  readonly at: string;
}

/** How a kernel with x bound as `x` and a channel index `c` reads k. */
export function bindShift(layout: BatchNormLayout, shift: Shift): ShiftBinding {
  return shift === 'first' ? { params: [], args: [], at: `x[c * ${layout.inner}]` } : { params: ['k'], args: [shift], at: 'k[c]' };
}

export interface CentredMean {
  readonly shift: Shift;
  /** mean(x − k) per channel, [C]. */
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

/** `1 / sqrt(variance + eps)` per channel. */
export function inverseStd(ctx: KernelContext, variance: GpuTensor, eps: number): Promise<GpuTensor> {
  return ctx.run(kernelSource(['v', 'eps'], 'return 1 / Math.sqrt(v[this.thread.x] + eps);'), variance.shape, [variance, eps]);
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
  const k = bindShift(layout, mean.shift);
  const source = kernelSource(
    ['x', 'gamma', 'beta', ...k.params, 'r', 'invStd'],
    `${channelOfElement(layout)}
return gamma[c] * (((x[e] - ${k.at}) - r[c]) * invStd[c]) + beta[c];`,
  );
  return ctx.run(source, x.shape, [x, gamma, beta, ...k.args, mean.r, invStd]);
}
