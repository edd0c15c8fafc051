import { batchNormLayout, type BatchNormAttrs, type BatchNormEvalBackwardInputs, type BatchNormGradients } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { batchNormGradients } from './batch-norm-backward.js';
import { fixedMean, inverseStd } from './batch-norm-common.js';

export async function batchNormEvalBackward(
  ctx: KernelContext,
  inputs: BatchNormEvalBackwardInputs,
  attrs: BatchNormAttrs,
): Promise<BatchNormGradients> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const invStd = await inverseStd(ctx, own(inputs.runningVar), attrs.eps);
  const mean = fixedMean(ctx, own(inputs.runningMean));
  try {
    const tensors = { x, dy: own(inputs.dy), gamma: own(inputs.gamma), mean, invStd };
    return await batchNormGradients(ctx, layout, tensors, false);
  } finally {
    ctx.dispose(invStd, mean.r);
  }
}
