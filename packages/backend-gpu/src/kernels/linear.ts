import { linearGeometry, type LinearInputs, type Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource, unravel } from './source.js';

/** y[n, o] = bias[o] + Σ_i x[n, i] · w[o, i], one thread per output. */
export function linear(ctx: KernelContext, inputs: LinearInputs): Promise<Tensor> {
  const g = linearGeometry(inputs.x.shape, inputs.weight.shape);
  const source = kernelSource(
    ['x', 'w', 'bias'],
    `${unravel('this.thread.x', ['n', 'o'], [g.n, g.out])}
const xRow = n * ${g.in};
const wRow = o * ${g.in};
let acc = bias[o];
for (let i = 0; i < ${g.in}; i++) {
  acc += x[xRow + i] * w[wRow + i];
}
return acc;`,
  );
  return ctx.run(source, [g.n, g.out], [inputs.x, inputs.weight, inputs.bias]);
}
