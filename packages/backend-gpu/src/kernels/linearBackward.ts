import { linearGeometry, type LinearBackwardInputs, type ParameterGradients } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { SUM, channelSum } from './channel-sum.js';
import { kernelSource, unravel } from './source.js';
import { sumRows } from './sum-rows.js';

/** Batch rows each stage-one thread of the weight gradient covers. */
const ROWS_PER_SLICE = 32;

/**
 * dx[n, i] = Σ_o dy[n, o] · w[o, i] (one thread per element). dweight[o, i] = Σ_n dy[n, o] · x[n, i] as a
 * two-stage reduction over slices of the batch; dbias[o] = Σ_n dy[n, o].
 */
export async function linearBackward(ctx: KernelContext, inputs: LinearBackwardInputs): Promise<Required<ParameterGradients>> {
  const g = linearGeometry(inputs.x.shape, inputs.weight.shape);
  const dy = own(inputs.dy);
  const rows = Math.min(ROWS_PER_SLICE, g.n);
  const slices = Math.ceil(g.n / rows);
  const partialSource = kernelSource(
    ['x', 'dy'],
    `${unravel('this.thread.x', ['o', 'i', 's'], [g.out, g.in, slices])}
let acc = 0;
let dyAt = s * ${rows} * ${g.out} + o;
let xAt = s * ${rows} * ${g.in} + i;
for (let r = 0; r < ${rows}; r++) {
  if (s * ${rows} + r < ${g.n}) {
    acc += dy[dyAt] * x[xAt];
  }
  dyAt = dyAt + ${g.out};
  xAt = xAt + ${g.in};
}
return acc;`,
  );
  const partials = await ctx.run(partialSource, [g.out * g.in * slices], [inputs.x, dy]);
  let dweight;
  try {
    dweight = await sumRows(ctx, partials, g.out * g.in, slices, { shape: [g.out, g.in] });
  } finally {
    ctx.dispose(partials);
  }
  const dbias = await channelSum(ctx, { outer: g.n, channels: g.out, inner: 1 }, SUM, [dy]);
  const dxSource = kernelSource(
    ['dy', 'w'],
    `${unravel('this.thread.x', ['n', 'i'], [g.n, g.in])}
const dyRow = n * ${g.out};
let acc = 0;
let wAt = i;
for (let o = 0; o < ${g.out}; o++) {
  acc += dy[dyRow + o] * w[wAt];
  wAt = wAt + ${g.in};
}
return acc;`,
  );
  const dx = await ctx.run(dxSource, [g.n, g.in], [dy, inputs.weight]);
  return { dx, dweight, dbias };
}
