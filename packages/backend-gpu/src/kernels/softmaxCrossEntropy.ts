import type { SoftmaxCrossEntropyInputs, SoftmaxCrossEntropyOutputs } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource } from './source.js';
import { sumRows } from './sum-rows.js';

/** The largest finite float32: only +Inf compares above it (and only −Inf below its negation). */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Mean softmax cross-entropy over the batch and its gradient. Each row keeps its maximum m and its
 * log Σ exp(z − m) as two separate float32 values and never stores their sum: rounding m + log(s) to
 * float32 loses every digit of log(s) below m's spacing (0.0625 at |m| = 1e6), which the following
 * exp(z − lse) would turn into a relative error of the same size. Subtracting m from a logit first is
 * exact for the logits that matter (those near m), so loss = (m − z_label) + log(s) and
 * dlogits = exp((z − m) − log(s)) stay accurate at any magnitude. The mean over rows is a sumRows tree.
 *
 * A row holding NaN or +Inf (or only −Inf) is NaN throughout in PyTorch (docs/nan-semantics.md). WGSL leaves
 * max, exp and log of NaN to the implementation, and SwiftShader's do not keep it (max drops it, exp(NaN)
 * comes out +Inf), so the NaN is carried explicitly instead: the log-sum kernel adds a poison that is 0 for a
 * good row and NaN for a bad one (the NaN logit itself, or Inf − Inf, which every adapter computes as IEEE
 * requires), the row loss inherits it by addition, and dlogits returns it through an ordered-comparison
 * branch (isNan) rather than through exp.
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
let poison = 0;
for (let j = 0; j < ${k}; j++) {
  const v = logits[base + j];
  s += Math.exp(v - m);
  if (isNan(v) > 0) {
    poison = v;
  }
  if (v > ${FLOAT32_MAX}) {
    poison = v - m;
  }
}
if (m < -${FLOAT32_MAX}) {
  poison = m - logits[base];
}
return Math.log(s) + poison;`,
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
const ls = logSum[r];
if (isNan(ls) > 0) {
  return ls;
}
let g = Math.exp((logits[i] - rowMax[r]) - ls);
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
