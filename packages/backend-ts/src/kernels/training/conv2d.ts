import type { Conv2dAttrs, Conv2dInputs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { gemmPacked, packA, packedASize, packedBSize } from '../../linalg/gemm.js';
import { im2colColumns, patchTables, type ConvShape } from '../../linalg/im2col.js';
import { scratch64 } from '../../storage/scratch.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import type { Threads } from '../../threads/pool.js';
import { conv2dFlops, convShape } from './conv2d-shape.js';

/*
 * conv2d over NCHW input and OIHW weight as one GEMM per image: y[b] (cout × p) = W (cout × kc) ·
 * patches(x[b]) (kc × p), with kc = cin·kh·kw and p = oh·ow. The batch is cut into chunks of images that the
 * threads share out.
 */

export interface Conv2dForwardTask {
  readonly x: Float32Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly y: Float32Array;
  readonly g: ConvShape;
}

export function conv2dForwardImages(t: Conv2dForwardTask, start: number, end: number): void {
  const { g } = t;
  const kc = g.cin * g.kh * g.kw;
  const p = g.oh * g.ow;
  const w = scratch64('conv2d.weight', packedASize(g.cout, kc));
  packA({ data: t.weight, offset: 0, rowStride: kc, colStride: 1 }, g.cout, kc, w);
  const tables = patchTables(g);
  const patches = scratch64('conv2d.patches', packedBSize(kc, p));
  for (let b = start; b < end; b++) {
    im2colColumns(t.x, b * g.cin * g.h * g.w, g, tables, patches);
    gemmPacked(w, patches, g.cout, p, kc, {
      data: t.y, offset: b * g.cout * p, rowStride: p, colStride: 1, accumulate: false, rowBias: t.bias,
    });
  }
}

/** Tasks this kernel runs on the thread pool. */
export const conv2dTasks = { conv2d: conv2dForwardImages };

export function conv2d(pool: Threads<typeof conv2dTasks>): TrainingKernels['conv2d'] {
  return async (inputs: Conv2dInputs, attrs: Conv2dAttrs) => {
    const g = convShape(inputs, attrs);
    const y = sharedFloat32ForOverwrite(g.n * g.cout * g.oh * g.ow);
    const task: Conv2dForwardTask = {
      x: f32(inputs.x), weight: f32(inputs.weight), bias: f32(inputs.bias), y, g,
    };
    await pool.run('conv2d', task, g.n, pool.plan(g.n, conv2dFlops(g)));
    return tensor(y, [g.n, g.cout, g.oh, g.ow]);
  };
}
