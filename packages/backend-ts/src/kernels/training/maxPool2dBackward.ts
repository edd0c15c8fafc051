import type { Pool2dAttrs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32 } from '../../storage/shared.js';
import type { Threads } from '../../threads/pool.js';
import { poolShape, poolWork, windowArgmax, type PoolShape } from './pooling.js';

/*
 * maxPool2d's gradient: each window's winner (found again exactly as the forward pass found it) receives the
 * window's dy; overlapping windows add. Threads split the (image, channel) planes.
 */

export interface MaxPoolBackwardTask {
  readonly x: Float32Array;
  readonly dy: Float32Array;
  readonly dx: Float32Array;
  readonly g: PoolShape;
}

export function maxPool2dBackwardPlanes(t: MaxPoolBackwardTask, start: number, end: number): void {
  const { x, dy, dx, g } = t;
  for (let pl = start; pl < end; pl++) {
    const xo = pl * g.h * g.w;
    let yo = pl * g.oh * g.ow;
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) dx[xo + windowArgmax(x, xo, g, oy * g.sh - g.ph, ox * g.sw - g.pw)] += dy[yo++];
    }
  }
}

/** Tasks this kernel runs on the thread pool. */
export const maxPool2dBackwardTasks = { maxPool2dBackward: maxPool2dBackwardPlanes };

export function maxPool2dBackward(pool: Threads<typeof maxPool2dBackwardTasks>): TrainingKernels['maxPool2dBackward'] {
  return async ({ x, dy }, attrs: Pool2dAttrs) => {
    const g = poolShape(x, attrs);
    const dx = sharedFloat32(g.n * g.c * g.h * g.w);
    await pool.run('maxPool2dBackward', { x: f32(x), dy: f32(dy), dx, g }, g.n * g.c, pool.plan(g.n * g.c, poolWork(g)));
    return tensor(dx, x.shape);
  };
}
