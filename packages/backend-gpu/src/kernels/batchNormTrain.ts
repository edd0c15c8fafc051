import { batchNormLayout, type BatchNormAttrs, type BatchNormInputs, type BatchNormTrainOutputs } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { bindShift, normalise } from './batch-norm-statistics.js';
import { channelPartials, channelSum } from './channel-sum.js';
import { kernelSource } from './source.js';
import { rowSum } from './sum-rows.js';

/**
 * Training forward. Statistics take two passes, the mean first and then the mean squared deviation from
 * it, because float32 `E[x²] − E[x]²` cancels catastrophically on data with a large offset. The shift k of
 * the (k, r) mean is each channel's first value, read from x where needed.
 *
 * Dispatches: r's reduction, the squared deviations' stage one (each plus tree passes when a channel has
 * more than 4,096 values), then one kernel per output. Every output is its own kernel because gpu.js's
 * WebGPU mode writes one output per kernel (it has no createKernelMap); the variance is never stored:
 * invStd and the running variance each finish its partial sums themselves.
 */
export async function batchNormTrain(ctx: KernelContext, inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<BatchNormTrainOutputs> {
  const x = own(inputs.x);
  const layout = batchNormLayout(x.shape, attrs.axis);
  const n = layout.count;
  const C = layout.channels;
  const k = bindShift(layout, 'first');
  const r = await channelSum(ctx, layout, { params: ['x'], statement: `acc += x[idx] - ${k.at};` }, [x], 1 / n);
  const squares = await channelPartials(
    ctx,
    layout,
    [{ params: ['x', 'r'], statement: `const d = (x[idx] - ${k.at}) - r[c];\nacc += d * d;` }],
    [x, r],
  );
  try {
    const perChannel = (params: string[], body: string, args: Parameters<KernelContext['run']>[2]) =>
      ctx.run(kernelSource(params, `const c = this.thread.x;\n${body}`), [C], args);
    const variance = `${rowSum('acc', 'q', 'c', squares.width)}\nconst v = acc * ${1 / n};`;
    const correction = attrs.runningVar === 'unbiased' ? n / (n - 1) : 1;
    const mean = await perChannel(['x', 'r'], `return ${k.at} + r[c];`, [x, r]);
    const invStd = await perChannel(['q', 'eps'], `${variance}\nreturn 1 / Math.sqrt(v + eps);`, [squares.partials, attrs.eps]);
    const runningMean = await perChannel(
      ['running', 'x', 'r', 'momentum'],
      `return momentum * running[c] + (1 - momentum) * (${k.at} + r[c]);`,
      [inputs.runningMean, x, r, attrs.momentum],
    );
    const runningVar = await perChannel(
      ['running', 'q', 'momentum', 'correction'],
      `${variance}\nreturn momentum * running[c] + (1 - momentum) * (correction * v);`,
      [inputs.runningVar, squares.partials, attrs.momentum, correction],
    );
    const y = await normalise(ctx, layout, x, own(inputs.gamma), own(inputs.beta), { shift: 'first', r }, invStd);
    return { y, runningMean, runningVar, mean, invStd };
  } finally {
    squares.release();
    ctx.dispose(r);
  }
}
