import type { Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';

// The source has no shape in it, so one compiled kernel per size serves every caller.
// `<= 0` is false for NaN, so the gradient passes dy at x = NaN, as PyTorch's threshold_backward does.
const RELU_BACKWARD = kernelSource(['x', 'dy'], 'const i = this.thread.x;\nif (x[i] <= 0) {\n  return 0;\n}\nreturn dy[i];');

export const reluBackward = (ctx: KernelContext, i: { x: Tensor; dy: Tensor }) => {
  return ctx.run(RELU_BACKWARD, i.x.shape, [i.x, i.dy]);
};
