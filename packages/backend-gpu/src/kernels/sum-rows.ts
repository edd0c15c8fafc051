import type { Shape } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { kernelSource } from './source.js';

/** Values each thread adds per pass of the tree. */
const FAN_IN = 64;

/**
 * Partial sums of each row of a [rows, width] tensor, at most FAN_IN per row, ready for one last pass that
 * a finishing kernel can do itself (`rowSum`) while it computes what the sums are for.
 */
export interface RowPartials {
  readonly partials: GpuTensor;
  readonly width: number;
  /** Frees the partials if the tree created them (the caller's input stays the caller's). */
  release(): void;
}

/**
 * Statements declaring `name` = Σ_j a[row · width + j] over the `width` partials of row `row` (an
 * expression), in index order. The last pass of every sum here is this loop, wherever it runs.
 */
export function rowSum(name: string, a: string, row: string, width: number): string {
  return `let ${name} = 0;
for (let j = 0; j < ${width}; j++) {
  ${name} += ${a}[(${row}) * ${width} + j];
}`;
}

/**
 * Tree passes over a [rows, cols] tensor, each thread summing at most FAN_IN values (strided, so
 * neighbouring threads read neighbouring addresses), until at most FAN_IN values per row are left.
 */
export async function reduceRows(ctx: KernelContext, t: GpuTensor, rows: number, cols: number): Promise<RowPartials> {
  let current = t;
  let width = cols;
  while (width > FAN_IN) {
    const next = Math.ceil(width / FAN_IN);
    const iterations = Math.ceil(width / next);
    const source = kernelSource(
      ['a'],
      `const t = this.thread.x;
const r = divFloor(t, ${next});
const q = t - r * ${next};
let acc = 0;
for (let j = 0; j < ${iterations}; j++) {
  const col = q + j * ${next};
  if (col < ${width}) {
    acc += a[r * ${width} + col];
  }
}
return acc;`,
    );
    const reduced = await ctx.run(source, [rows * next], [current]);
    if (current !== t) ctx.dispose(current);
    current = reduced;
    width = next;
  }
  const partials = current;
  return { partials, width, release: () => (partials !== t ? ctx.dispose(partials) : undefined) };
}

/**
 * `scale · Σ_j t[r, j]` for a [rows, cols] tensor: `reduceRows`, then the last pass. The input stays owned
 * by the caller. The result has shape `shape` (default [rows]).
 */
export async function sumRows(
  ctx: KernelContext,
  t: GpuTensor,
  rows: number,
  cols: number,
  options: { readonly scale?: number; readonly shape?: Shape } = {},
): Promise<GpuTensor> {
  const { partials, width, release } = await reduceRows(ctx, t, rows, cols);
  try {
    const source = kernelSource(['a'], `const r = this.thread.x;\n${rowSum('acc', 'a', 'r', width)}\nreturn acc * ${options.scale ?? 1};`);
    return await ctx.run(source, options.shape ?? [rows], [partials]);
  } finally {
    release();
  }
}
