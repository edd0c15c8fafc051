import type { Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';

// The source has no shape in it, so one compiled kernel per size serves every caller.
const SIGMOID_BACKWARD = kernelSource(['y', 'dy'], 'const i = this.thread.x;\nreturn dy[i] * (y[i] * (1 - y[i]));');

export const sigmoidBackward = (ctx: KernelContext, i: { y: Tensor; dy: Tensor }) => {
  return ctx.run(SIGMOID_BACKWARD, i.y.shape, [i.y, i.dy]);
};
