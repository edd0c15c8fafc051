import type { Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';

/**
 * Index of the first maximum along the last axis (NaN the largest value, as in PyTorch), one thread per row;
 * int32 with the last axis dropped.
 */
export function argmax(ctx: KernelContext, inputs: { x: Tensor }): Promise<Tensor> {
  const shape = inputs.x.shape;
  const k = shape[shape.length - 1];
  const source = kernelSource(
    ['x'],
    `const base = this.thread.x * ${k};
let best = x[base];
let index = 0;
for (let j = 1; j < ${k}; j++) {
  const v = x[base + j];
  if (isNan(best) === 0 && (v > best || isNan(v) === 1)) {
    best = v;
    index = j;
  }
}
return index;`,
  );
  const outShape = shape.slice(0, -1);
  return ctx.run(source, outShape, [inputs.x], 'int32');
}
