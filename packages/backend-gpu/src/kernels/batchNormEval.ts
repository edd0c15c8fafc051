import { batchNormLayout, type BatchNormAttrs, type BatchNormInputs, type Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { normalise, withRunningStatistics } from './batch-norm-statistics.js';

/** Eval forward: normalise with the running statistics, which stay untouched. */
export async function batchNormEval(ctx: KernelContext, inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<Tensor> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const running = { runningMean: own(inputs.runningMean), runningVar: own(inputs.runningVar) };
  return withRunningStatistics(ctx, running, attrs.eps, (mean, invStd) =>
    normalise(ctx, layout, x, own(inputs.gamma), own(inputs.beta), mean, invStd),
  );
}
