import { batchNormLayout, type BatchNormAttrs, type BatchNormEvalBackwardInputs, type BatchNormGradients } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { batchNormGradients } from './batch-norm-gradients.js';
import { withRunningStatistics } from './batch-norm-statistics.js';

export async function batchNormEvalBackward(
  ctx: KernelContext,
  inputs: BatchNormEvalBackwardInputs,
  attrs: BatchNormAttrs,
): Promise<BatchNormGradients> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const running = { runningMean: own(inputs.runningMean), runningVar: own(inputs.runningVar) };
  return withRunningStatistics(ctx, running, attrs.eps, (mean, invStd) =>
    batchNormGradients(ctx, layout, { x, dy: own(inputs.dy), gamma: own(inputs.gamma), mean, invStd }, false),
  );
}
