import { validateSameShape, type Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';

/*
 * One-thread-per-element kernels. Their sources have no shape in them, so one compiled kernel per size
 * serves every caller.
 */

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
const SIGMOID_BACKWARD = kernelSource(['y', 'dy'], 'const i = this.thread.x;\nreturn dy[i] * (y[i] * (1 - y[i]));');
// relu tests `<= 0` (false for NaN) so that relu(NaN) = NaN and its gradient passes dy at NaN, as in PyTorch.
const RELU = kernelSource(['x'], 'const v = x[this.thread.x];\nif (v <= 0) {\n  return 0;\n}\nreturn v;');
const RELU_BACKWARD = kernelSource(['x', 'dy'], 'const i = this.thread.x;\nif (x[i] <= 0) {\n  return 0;\n}\nreturn dy[i];');
const SGD = kernelSource(['p', 'g', 'lr'], 'const i = this.thread.x;\nreturn p[i] - lr * g[i];');

export const sigmoid = (ctx: KernelContext, i: { x: Tensor }) => ctx.run(SIGMOID, i.x.shape, [i.x]);
export const sigmoidBackward = (ctx: KernelContext, i: { y: Tensor; dy: Tensor }) => {
  validateSameShape(i.y, i.dy, 'sigmoidBackward dy');
  return ctx.run(SIGMOID_BACKWARD, i.y.shape, [i.y, i.dy]);
};
export const relu = (ctx: KernelContext, i: { x: Tensor }) => ctx.run(RELU, i.x.shape, [i.x]);
export const reluBackward = (ctx: KernelContext, i: { x: Tensor; dy: Tensor }) => {
  validateSameShape(i.x, i.dy, 'reluBackward dy');
  return ctx.run(RELU_BACKWARD, i.x.shape, [i.x, i.dy]);
};
export const sgd = (ctx: KernelContext, i: { param: Tensor; grad: Tensor }, a: { lr: number }) =>
  ctx.run(SGD, i.param.shape, [i.param, i.grad, a.lr]);
