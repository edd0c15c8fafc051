import type { Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';

// The source has no shape in it, so one compiled kernel per size serves every caller.
// `<= 0` is false for NaN, so relu(NaN) = NaN, as in PyTorch.
const RELU = kernelSource(['x'], 'const v = x[this.thread.x];\nif (v <= 0) {\n  return 0;\n}\nreturn v;');

export const relu = (ctx: KernelContext, i: { x: Tensor }) => ctx.run(RELU, i.x.shape, [i.x]);
