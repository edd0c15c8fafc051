import { batchNormLayout, type BatchNormAttrs, type BatchNormInputs, type Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { fixedMean, inverseStd, normalise } from './batch-norm-common.js';

/** Eval forward: normalise with the running statistics, which stay untouched. */
export async function batchNormEval(ctx: KernelContext, inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<Tensor> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const invStd = await inverseStd(ctx, own(inputs.runningVar), attrs.eps);
  const mean = fixedMean(ctx, own(inputs.runningMean));
  try {
    return await normalise(ctx, layout, x, own(inputs.gamma), own(inputs.beta), mean, invStd);
  } finally {
    ctx.dispose(invStd, mean.r);
  }
}
