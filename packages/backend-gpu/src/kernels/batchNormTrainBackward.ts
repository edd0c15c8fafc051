import { batchNormLayout, type BatchNormAttrs, type BatchNormGradients, type BatchNormTrainBackwardInputs } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { batchNormGradients } from './batch-norm-gradients.js';
import { batchMean } from './batch-norm-statistics.js';

/**
 * Training backward. The forward's mean arrives rounded to float32; using it as the shift k and recomputing
 * the residual mean(x − k) restores the precision the forward normalised with (one extra reduction).
 */
export async function batchNormTrainBackward(
  ctx: KernelContext,
  inputs: BatchNormTrainBackwardInputs,
  attrs: BatchNormAttrs,
): Promise<BatchNormGradients> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const mean = await batchMean(ctx, layout, x, own(inputs.mean));
  try {
    const tensors = { x, dy: own(inputs.dy), gamma: own(inputs.gamma), mean, invStd: own(inputs.invStd) };
    return await batchNormGradients(ctx, layout, tensors, true);
  } finally {
    ctx.dispose(mean.r);
  }
}
