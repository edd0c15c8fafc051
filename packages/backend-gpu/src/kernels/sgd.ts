import type { Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';

// The source has no shape in it, so one compiled kernel per size serves every caller.
const SGD = kernelSource(['p', 'g', 'lr'], 'const i = this.thread.x;\nreturn p[i] - lr * g[i];');

export const sgd = (ctx: KernelContext, i: { param: Tensor; grad: Tensor }, a: { lr: number }) =>
  ctx.run(SGD, i.param.shape, [i.param, i.grad, a.lr]);
