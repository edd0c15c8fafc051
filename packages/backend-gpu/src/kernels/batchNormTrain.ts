import { batchNormLayout, type BatchNormAttrs, type BatchNormInputs, type BatchNormTrainOutputs } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { batchMean, inverseStd, normalise } from './batch-norm-statistics.js';
import { SQUARED_DEVIATION, channelSum } from './channel-sum.js';
import { kernelSource } from './source.js';

/** `momentum · running + (1 − momentum) · correction · stat`, per channel. */
const RUNNING_AVERAGE = kernelSource(
  ['running', 'stat', 'momentum', 'correction'],
  'const i = this.thread.x;\nreturn momentum * running[i] + (1 - momentum) * (correction * stat[i]);',
);
const ADD = kernelSource(['a', 'b'], 'const i = this.thread.x;\nreturn a[i] + b[i];');

/**
 * Training forward. Statistics take two passes, the mean first and then the mean squared deviation from
 * it, because float32 `E[x²] − E[x]²` cancels catastrophically on data with a large offset.
 */
export async function batchNormTrain(ctx: KernelContext, inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<BatchNormTrainOutputs> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const n = layout.count;
  const centred = await batchMean(ctx, layout, x);
  const variance = await channelSum(ctx, layout, SQUARED_DEVIATION, [x, centred.k, centred.r], 1 / n);
  try {
    const mean = await ctx.run(ADD, centred.k.shape, [centred.k, centred.r]);
    const invStd = await inverseStd(ctx, variance, attrs.eps);
    const correction = attrs.runningVar === 'unbiased' ? n / (n - 1) : 1;
    const runningMean = await ctx.run(RUNNING_AVERAGE, mean.shape, [inputs.runningMean, mean, attrs.momentum, 1]);
    const runningVar = await ctx.run(RUNNING_AVERAGE, mean.shape, [inputs.runningVar, variance, attrs.momentum, correction]);
    const y = await normalise(ctx, layout, x, own(inputs.gamma), own(inputs.beta), centred, invStd);
    return { y, runningMean, runningVar, mean, invStd };
  } finally {
    ctx.dispose(variance, centred.k, centred.r);
  }
}
