import type { BatchNormLayout } from '@bnkit/core';
import type { KernelArg, KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { kernelSource } from './source.js';
import { sumRows } from './sum-rows.js';

/*
 * Per-channel sums over a tensor viewed as [outer, C, inner], in two stages so that no thread walks a whole
 * channel: stage one gives every (channel, slice) pair its own thread, each summing every P-th value of the
 * channel (neighbouring threads read neighbouring addresses), then sumRows combines the P partial sums of
 * each channel in a short tree.
 */

/** Values summed per stage-one thread, roughly; more slices means more threads and a longer combine. */
const VALUES_PER_THREAD = 64;
const MAX_SLICES = 1024;

/**
 * The summand of a channel sum, a statement adding to `acc`. It sees `idx` (flat index of the element) and
 * `c` (its channel); `params` are the kernel's tensor/scalar parameters, in the order of `args`.
 */
export interface ChannelTerm {
  readonly params: readonly string[];
  readonly statement: string;
}

/** Σ a */
export const SUM: ChannelTerm = { params: ['a'], statement: 'acc += a[idx];' };

/*
 * Deviations from a channel's mean are taken as `(a − k[c]) − r[c]`: k is a float32 value near the mean and
 * r the residual mean of `a − k`. For data far from zero (x ≈ 1000, std 0.005) the float32-rounded mean alone
 * is off by more than the tolerance allows in units of std; `a − k` is exact there (Sterbenz) and r keeps
 * the digits the rounding lost.
 */
const DEVIATION = '((a[idx] - k[c]) - r[c])';

/** Σ (a − k[c]) */
export const SHIFTED_SUM: ChannelTerm = { params: ['a', 'k'], statement: 'acc += a[idx] - k[c];' };
/** Σ ((a − k[c]) − r[c])² */
export const SQUARED_DEVIATION: ChannelTerm = {
  params: ['a', 'k', 'r'],
  statement: `const d = ${DEVIATION};\nacc += d * d;`,
};
/** Σ b · ((a − k[c]) − r[c]) · s[c] — with a = x, b = dy, s = invStd this is Σ dy·xhat. */
export const PRODUCT_WITH_STANDARDISED: ChannelTerm = {
  params: ['a', 'k', 'r', 's', 'b'],
  statement: `acc += b[idx] * (${DEVIATION} * s[c]);`,
};

export type ChannelGeometry = Pick<BatchNormLayout, 'outer' | 'channels' | 'inner'>;

/** Per-channel `scale · Σ term`, shape [C]. */
export async function channelSum(
  ctx: KernelContext,
  geometry: ChannelGeometry,
  term: ChannelTerm,
  args: readonly KernelArg[],
  scale = 1,
): Promise<GpuTensor> {
  const { outer, channels: C, inner } = geometry;
  const count = outer * inner;
  const P = Math.max(1, Math.min(MAX_SLICES, Math.ceil(count / VALUES_PER_THREAD)));
  const iterations = Math.ceil(count / P);
  // Walking pos → pos + P in (o, i) coordinates without a division per step: i advances by P mod inner, o by
  // floor(P / inner), plus a carry.
  const stepInner = P % inner;
  const stepOuter = Math.floor(P / inner);
  const source = kernelSource(
    term.params,
    `const t = this.thread.x;
const c = divFloor(t, ${P});
const p = t - c * ${P};
let o = divFloor(p, ${inner});
let i = p - o * ${inner};
let pos = p;
let acc = 0;
for (let j = 0; j < ${iterations}; j++) {
  if (pos < ${count}) {
    const idx = (o * ${C} + c) * ${inner} + i;
    ${term.statement}
  }
  pos = pos + ${P};
  i = i + ${stepInner};
  o = o + ${stepOuter};
  if (i >= ${inner}) {
    i = i - ${inner};
    o = o + 1;
  }
}
return acc;`,
  );
  const partials = await ctx.run(source, [C * P], args);
  try {
    return await sumRows(ctx, partials, C, P, { scale });
  } finally {
    ctx.dispose(partials);
  }
}
