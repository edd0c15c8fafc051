import { validateSoftmaxCrossEntropy, type SoftmaxCrossEntropyInputs, type SoftmaxCrossEntropyOutputs } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';
import { sumRows } from './sum-rows.js';

/**
 * Mean softmax cross-entropy over the batch and its gradient. Each row's log-sum-exp subtracts the row
 * maximum first, so large logits cannot overflow; the mean over rows is a parallel sumRows tree.
 */
export async function softmaxCrossEntropy(
  ctx: KernelContext,
  inputs: SoftmaxCrossEntropyInputs,
): Promise<SoftmaxCrossEntropyOutputs> {
  const { n, k } = validateSoftmaxCrossEntropy(inputs.logits, inputs.labels);
  const lseSource = kernelSource(
    ['logits'],
    `const base = this.thread.x * ${k};
let m = logits[base];
for (let j = 1; j < ${k}; j++) {
  m = Math.max(m, logits[base + j]);
}
let s = 0;
for (let j = 0; j < ${k}; j++) {
  s += Math.exp(logits[base + j] - m);
}
return m + Math.log(s);`,
  );
  const lse = await ctx.run(lseSource, [n], [inputs.logits]);
  try {
    const rowLoss = await ctx.run(
      kernelSource(['logits', 'labels', 'lse'], `const r = this.thread.x;\nreturn lse[r] - logits[r * ${k} + labels[r]];`),
      [n],
      [inputs.logits, inputs.labels, lse],
    );
    let loss;
    try {
      loss = await sumRows(ctx, rowLoss, 1, n, { scale: 1 / n, shape: [1] });
    } finally {
      ctx.dispose(rowLoss);
    }
    const dlogits = await ctx.run(
      kernelSource(
        ['logits', 'labels', 'lse'],
        `const i = this.thread.x;
const r = divFloor(i, ${k});
const j = i - r * ${k};
let g = Math.exp(logits[i] - lse[r]);
if (j === labels[r]) {
  g = g - 1;
}
return g / ${n};`,
      ),
      [n, k],
      [inputs.logits, inputs.labels, lse],
    );
    return { loss, dlogits };
  } finally {
    ctx.dispose(lse);
  }
}
