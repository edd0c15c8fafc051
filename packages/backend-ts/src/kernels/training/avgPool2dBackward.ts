import type { Pool2dAttrs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32, sharedFloat32ForOverwrite } from '../../storage/shared.js';
import type { Threads } from '../../threads/pool.js';
import { averaging, poolShape, poolWork, type PoolShape } from './pooling.js';

/*
 * avgPool2d's gradient: each dy value spread evenly over its window (divisor kh·kw, as in the forward pass),
 * separable like the forward pass: per output row, the spread values are summed into a row buffer, which is
 * then added to (or stored in) every input row of the window. Threads split the (image, channel) planes.
 */

export interface AvgPoolBackwardTask {
  readonly dy: Float32Array;
  readonly dx: Float32Array;
  readonly g: PoolShape;
}

export function avgPool2dBackwardPlanes(t: AvgPoolBackwardTask, start: number, end: number): void {
  const { dy, dx, g } = t;
  const { scale, rows: rowsOf, cols: colsOf, row } = averaging(g);
  // With stride >= kernel (LeNet's 2×2 / 2) no input row is in two window rows: each dx row is stored once
  // instead of added onto zeros, and only the rows no window covers are zeroed (dx is not pre-zeroed).
  const disjoint = disjointRows(g);
  // Geometry in locals, so the loops read no object field: V8 reuses a long loop's on-stack-compiled code
  // across calls, and a field read inside it deoptimized it again and again on the other pooling layer's
  // geometry object, leaving planes to the interpreter.
  const { h, w, oh, ow } = g;
  for (let pl = start; pl < end; pl++) {
    const xo = pl * h * w;
    let yo = pl * oh * ow;
    let written = xo;
    for (let oy = 0; oy < oh; oy++) {
      for (let ix = 0; ix < w; ix++) row[ix] = 0;
      for (let ox = 0; ox < ow; ox++) {
        const d = dy[yo++] * scale;
        for (let ix = colsOf[2 * ox], xe = colsOf[2 * ox + 1]; ix < xe; ix++) row[ix] += d;
      }
      const r0 = rowsOf[2 * oy], r1 = rowsOf[2 * oy + 1];
      if (disjoint) {
        zero(dx, written, xo + r0 * w);
        // Plain copy loops: a subarray + set per row allocated a view each time and took 3× as long.
        for (let iy = r0; iy < r1; iy++) {
          for (let ix = 0, i = xo + iy * w; ix < w; ix++, i++) dx[i] = row[ix];
        }
        written = xo + r1 * w;
      } else {
        for (let iy = r0; iy < r1; iy++) {
          for (let ix = 0, i = xo + iy * w; ix < w; ix++, i++) dx[i] += row[ix];
        }
      }
    }
    if (disjoint) zero(dx, written, xo + h * w);
  }
}

/** Zeroes dx[from, to): usually no values, a loop beats `fill`'s call on shared memory. */
function zero(dx: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) dx[i] = 0;
}

/** Whether no input row lies in two windows, so the backward pass may store rows instead of adding them. */
function disjointRows(g: PoolShape): boolean {
  return g.sh >= g.kh;
}

/** Tasks this kernel runs on the thread pool. */
export const avgPool2dBackwardTasks = { avgPool2dBackward: avgPool2dBackwardPlanes };

export function avgPool2dBackward(pool: Threads<typeof avgPool2dBackwardTasks>): TrainingKernels['avgPool2dBackward'] {
  return async ({ x, dy }, attrs: Pool2dAttrs) => {
    const g = poolShape(x, attrs);
    // Overlapping windows add into dx, so it starts zeroed; disjoint ones write every value themselves.
    const size = g.n * g.c * g.h * g.w;
    const dx = disjointRows(g) ? sharedFloat32ForOverwrite(size) : sharedFloat32(size);
    await pool.run('avgPool2dBackward', { dy: f32(dy), dx, g }, g.n * g.c, pool.plan(g.n * g.c, poolWork(g)));
    return tensor(dx, x.shape);
  };
}
