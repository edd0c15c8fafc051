import type { Pool2dAttrs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import type { ThreadPool } from '../../threads/pool.js';
import { sharedFloat32, sharedFloat32ForOverwrite } from '../../storage/shared.js';
import { poolShape, poolWork, type PoolShape } from './pool2d-shape.js';

/*
 * Max pooling over NCHW with -Infinity padding: only in-bounds elements compete. The first maximum in
 * row-major order wins (strict >), as in PyTorch, and NaN wins over numbers (PyTorch propagates it). The
 * backward pass finds the same element again and adds dy to it. Threads split the (image, channel) planes.
 */

/** Offset within the plane of the winning element of the window starting at (y0, x0). */
function windowArgmax(x: Float32Array, xo: number, g: PoolShape, y0: number, x0: number): number {
  const ys = Math.max(y0, 0), ye = Math.min(y0 + g.kh, g.h);
  const xs = Math.max(x0, 0), xe = Math.min(x0 + g.kw, g.w);
  let best = ys * g.w + xs;
  let bestValue = -Infinity;
  for (let iy = ys; iy < ye; iy++) {
    for (let ix = xs; ix < xe; ix++) {
      const v = x[xo + iy * g.w + ix];
      if (v > bestValue || v !== v) {
        best = iy * g.w + ix;
        bestValue = v;
        if (v !== v) return best;
      }
    }
  }
  return best;
}

export interface MaxPoolTask {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly g: PoolShape;
}

export function maxPool2dPlanes(t: MaxPoolTask, start: number, end: number): void {
  const { x, y, g } = t;
  for (let pl = start; pl < end; pl++) {
    const xo = pl * g.h * g.w;
    let yo = pl * g.oh * g.ow;
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) y[yo++] = x[xo + windowArgmax(x, xo, g, oy * g.sh - g.ph, ox * g.sw - g.pw)];
    }
  }
}

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

export function maxPool2dKernels(pool: ThreadPool): Pick<TrainingKernels, 'maxPool2d' | 'maxPool2dBackward'> {
  return {
    async maxPool2d({ x }, attrs: Pool2dAttrs) {
      const g = poolShape(x, attrs);
      const y = sharedFloat32ForOverwrite(g.n * g.c * g.oh * g.ow);
      await pool.run('maxPool2d', { x: f32(x), y, g }, g.n * g.c, pool.plan(g.n * g.c, poolWork(g)));
      return tensor(y, [g.n, g.c, g.oh, g.ow]);
    },
    async maxPool2dBackward({ x, dy }, attrs: Pool2dAttrs) {
      const g = poolShape(x, attrs);
      const dx = sharedFloat32(g.n * g.c * g.h * g.w);
      await pool.run('maxPool2dBackward', { x: f32(x), dy: f32(dy), dx, g }, g.n * g.c, pool.plan(g.n * g.c, poolWork(g)));
      return tensor(dx, x.shape);
    },
  };
}
