import type { Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';

// The source has no shape in it, so one compiled kernel per size serves every caller.
/** 1 / (1 + e^−x), in the form whose exponential cannot overflow for either sign of x. */
const SIGMOID = kernelSource(
  ['x'],
  `const v = x[this.thread.x];
if (v >= 0) {
  return 1 / (1 + Math.exp(-v));
}
const z = Math.exp(v);
return z / (1 + z);`,
);

export const sigmoid = (ctx: KernelContext, i: { x: Tensor }) => ctx.run(SIGMOID, i.x.shape, [i.x]);
