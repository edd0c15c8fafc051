import type { TrainingKernels } from '@bnkit/core';
import type { Threads } from '../../threads/pool.js';
import { poolForward, windowArgmax, type PoolTask } from './pooling.js';

/*
 * Max pooling over NCHW with -Infinity padding: only in-bounds elements compete. The first maximum in
 * row-major order wins (strict >), as in PyTorch, and NaN wins over numbers (PyTorch propagates it). The
 * backward pass finds the same element again and adds dy to it. Threads split the (image, channel) planes.
 */

export function maxPool2dPlanes(t: PoolTask, start: number, end: number): void {
  const { x, y, g } = t;
  for (let pl = start; pl < end; pl++) {
    const xo = pl * g.h * g.w;
    let yo = pl * g.oh * g.ow;
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) y[yo++] = x[xo + windowArgmax(x, xo, g, oy * g.sh - g.ph, ox * g.sw - g.pw)];
    }
  }
}

/** Tasks this kernel runs on the thread pool. */
export const maxPool2dTasks = { maxPool2d: maxPool2dPlanes };

export function maxPool2d(pool: Threads<typeof maxPool2dTasks>): TrainingKernels['maxPool2d'] {
  return poolForward(pool, 'maxPool2d');
}
