import { batchNormLayout, type BatchNormAttrs, type BatchNormInputs, type Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { inverseStd, normalise } from './batch-norm-statistics.js';

/**
 * Eval forward: normalise with the running statistics, which stay untouched. The running mean is the shift
 * k of a (k, r) mean whose residual r is zero.
 */
export async function batchNormEval(ctx: KernelContext, inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<Tensor> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const runningMean = own(inputs.runningMean);
  const invStd = await inverseStd(ctx, own(inputs.runningVar), attrs.eps);
  const r = ctx.adopt(ctx.storage.upload(new Float32Array(runningMean.size)), runningMean.shape, 'float32');
  try {
    return await normalise(ctx, layout, x, own(inputs.gamma), own(inputs.beta), { shift: runningMean, r }, invStd);
  } finally {
    ctx.dispose(invStd, r);
  }
}
