import type { SoftmaxCrossEntropyInputs, SoftmaxCrossEntropyOutputs } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';
import { sumRows } from './sum-rows.js';

/**
 * Mean softmax cross-entropy over the batch and its gradient. Each row keeps its maximum m and its
 * log Σ exp(z − m) as two separate float32 values and never stores their sum: rounding m + log(s) to
 * float32 loses every digit of log(s) below m's spacing (0.0625 at |m| = 1e6), which the following
 * exp(z − lse) would turn into a relative error of the same size. Subtracting m from a logit first is
 * exact for the logits that matter (those near m), so loss = (m − z_label) + log(s) and
 * dlogits = exp((z − m) − log(s)) stay accurate at any magnitude. The mean over rows is a sumRows tree.
 */
export async function softmaxCrossEntropy(
  ctx: KernelContext,
  inputs: SoftmaxCrossEntropyInputs,
): Promise<SoftmaxCrossEntropyOutputs> {
  const [n, k] = inputs.logits.shape;
  const rowMax = await ctx.run(
    kernelSource(
      ['logits'],
      `const base = this.thread.x * ${k};
let m = logits[base];
for (let j = 1; j < ${k}; j++) {
  m = Math.max(m, logits[base + j]);
}
return m;`,
    ),
    [n],
    [inputs.logits],
  );
  try {
    const logSum = await ctx.run(
      kernelSource(
        ['logits', 'rowMax'],
        `const base = this.thread.x * ${k};
const m = rowMax[this.thread.x];
let s = 0;
for (let j = 0; j < ${k}; j++) {
  s += Math.exp(logits[base + j] - m);
}
return Math.log(s);`,
      ),
      [n],
      [inputs.logits, rowMax],
    );
    try {
      const rowLoss = await ctx.run(
        kernelSource(
          ['logits', 'labels', 'rowMax', 'logSum'],
          `const r = this.thread.x;\nreturn (rowMax[r] - logits[r * ${k} + labels[r]]) + logSum[r];`,
        ),
        [n],
        [inputs.logits, inputs.labels, rowMax, logSum],
      );
      let loss;
      try {
        loss = await sumRows(ctx, rowLoss, 1, n, { scale: 1 / n, shape: [1] });
      } finally {
        ctx.dispose(rowLoss);
      }
      const dlogits = await ctx.run(
        kernelSource(
          ['logits', 'labels', 'rowMax', 'logSum'],
          `const i = this.thread.x;
const r = divFloor(i, ${k});
const j = i - r * ${k};
let g = Math.exp((logits[i] - rowMax[r]) - logSum[r]);
if (j === labels[r]) {
  g = g - 1;
}
return g / ${n};`,
        ),
        [n, k],
        [inputs.logits, inputs.labels, rowMax, logSum],
      );
      return { loss, dlogits };
    } finally {
      ctx.dispose(logSum);
    }
  } finally {
    ctx.dispose(rowMax);
  }
}
