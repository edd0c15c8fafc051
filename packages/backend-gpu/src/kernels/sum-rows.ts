import type { Shape } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import type { GpuTensor } from '../tensor.js';
import { kernelSource } from './source.js';

/** Values each thread adds per pass of the tree. */
const FAN_IN = 64;

/**
 * `scale · Σ_j t[r, j]` for a [rows, cols] tensor: a tree of passes, each thread summing at most FAN_IN values
 * (strided, so neighbouring threads read neighbouring addresses), until one value per row is left. The
 * input stays owned by the caller. The result has shape `shape` (default [rows]).
 */
export async function sumRows(
  ctx: KernelContext,
  t: GpuTensor,
  rows: number,
  cols: number,
  options: { readonly scale?: number; readonly shape?: Shape } = {},
): Promise<GpuTensor> {
  const scale = options.scale ?? 1;
  let current = t;
  let width = cols;
  do {
    const next = Math.ceil(width / FAN_IN);
    const iterations = Math.ceil(width / next);
    const last = next === 1;
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
return acc${last ? ` * ${scale}` : ''};`,
    );
    const reduced = await ctx.run(source, last ? (options.shape ?? [rows]) : [rows * next], [current]);
    if (current !== t) ctx.dispose(current);
    current = reduced;
    width = next;
  } while (width > 1);
  return current;
}
