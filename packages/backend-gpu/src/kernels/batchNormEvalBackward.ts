import { batchNormLayout, type BatchNormAttrs, type BatchNormEvalBackwardInputs, type BatchNormGradients } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { batchNormGradients } from './batch-norm-gradients.js';
import { inverseStd } from './batch-norm-statistics.js';

/** Eval backward: the running statistics are constants, the shift k is the running mean. */
export async function batchNormEvalBackward(
  ctx: KernelContext,
  inputs: BatchNormEvalBackwardInputs,
  attrs: BatchNormAttrs,
): Promise<BatchNormGradients> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const invStd = await inverseStd(ctx, own(inputs.runningVar), attrs.eps);
  try {
    const tensors = { x, dy: own(inputs.dy), gamma: own(inputs.gamma), shift: own(inputs.runningMean), invStd };
    return await batchNormGradients(ctx, layout, tensors, false);
  } finally {
    ctx.dispose(invStd);
  }
}
