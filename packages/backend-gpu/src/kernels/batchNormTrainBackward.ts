import { batchNormLayout, type BatchNormAttrs, type BatchNormGradients, type BatchNormTrainBackwardInputs } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { batchNormGradients } from './batch-norm-gradients.js';

/**
 * Training backward. The forward's mean arrives rounded to float32; using it as the shift k and recomputing
 * the residual mean(x − k) (a third sum beside dbeta's and dgamma's) restores the precision the forward
 * normalised with.
 */
export function batchNormTrainBackward(
  ctx: KernelContext,
  inputs: BatchNormTrainBackwardInputs,
  attrs: BatchNormAttrs,
): Promise<BatchNormGradients> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const tensors = { x, dy: own(inputs.dy), gamma: own(inputs.gamma), shift: own(inputs.mean), invStd: own(inputs.invStd) };
  return batchNormGradients(ctx, layout, tensors, true);
}
