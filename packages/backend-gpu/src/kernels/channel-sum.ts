import type { BatchNormLayout } from '@bnkit/core';
import type { KernelArg, KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { kernelSource } from './source.js';
import { reduceRows, rowSum, type RowPartials } from './sum-rows.js';

/*
 * Per-channel sums over a tensor viewed as [outer, C, inner], in two stages so that no thread walks a whole
 * channel: stage one gives every (channel, slice) pair its own thread, each summing every P-th value of the
 * channel (neighbouring threads read neighbouring addresses), then reduceRows combines the P partial sums of
 * each channel in a short tree, whose last pass the kernel that needs the sum does itself.
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

export type ChannelGeometry = Pick<BatchNormLayout, 'outer' | 'channels' | 'inner'>;

/**
 * Partial sums of several per-channel sums at once, from one stage-one kernel: term `w` of channel `c` is
 * row `w · C + c` of the result (rows of at most 64 partials; finish them with `rowSum`). Stacking the terms
 * saves a dispatch per extra term; the terms read the same parameters (the first term's `params`).
 */
export async function channelPartials(
  ctx: KernelContext,
  geometry: ChannelGeometry,
  terms: readonly ChannelTerm[],
  args: readonly KernelArg[],
): Promise<RowPartials> {
  const { outer, channels: C, inner } = geometry;
  const count = outer * inner;
  const P = Math.max(1, Math.min(MAX_SLICES, Math.ceil(count / VALUES_PER_THREAD)));
  const iterations = Math.ceil(count / P);
  // Walking pos → pos + P in (o, i) coordinates without a division per step: i advances by P mod inner, o by
  // floor(P / inner), plus a carry.
  const stepInner = P % inner;
  const stepOuter = Math.floor(P / inner);
  const statement =
    terms.length === 1
      ? terms[0].statement
      : terms.map((term, w) => `${w === 0 ? '' : 'else '}if (w === ${w}) {\n      ${term.statement}\n    }`).join(' ');
  const source = kernelSource(
    terms[0].params,
    `const tw = this.thread.x;
const w = divFloor(tw, ${C * P});
const t = tw - w * ${C * P};
const c = divFloor(t, ${P});
const p = t - c * ${P};
let o = divFloor(p, ${inner});
let i = p - o * ${inner};
let pos = p;
let acc = 0;
for (let j = 0; j < ${iterations}; j++) {
  if (pos < ${count}) {
    const idx = (o * ${C} + c) * ${inner} + i;
    ${statement}
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
  const stageOne = await ctx.run(source, [terms.length * C * P], args);
  let rows: RowPartials;
  try {
    rows = await reduceRows(ctx, stageOne, terms.length * C, P);
  } catch (e) {
    ctx.dispose(stageOne);
    throw e;
  }
  const { partials, width } = rows;
  if (partials !== stageOne) ctx.dispose(stageOne);
  return { partials, width, release: () => ctx.dispose(partials) };
}

/** Per-channel `scale · Σ term`, shape [C]. */
export async function channelSum(
  ctx: KernelContext,
  geometry: ChannelGeometry,
  term: ChannelTerm,
  args: readonly KernelArg[],
  scale = 1,
): Promise<GpuTensor> {
  const { partials, width, release } = await channelPartials(ctx, geometry, [term], args);
  try {
    const source = kernelSource(['a'], `const c = this.thread.x;\n${rowSum('acc', 'a', 'c', width)}\nreturn acc * ${scale};`);
    return await ctx.run(source, [geometry.channels], [partials]);
  } finally {
    release();
  }
}
