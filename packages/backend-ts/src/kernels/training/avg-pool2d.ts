import type { Pool2dAttrs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import type { ThreadPool } from '../../threads/pool.js';
import { sharedFloat32 } from '../../threads/shared.js';
import { poolShape, poolWork, type PoolShape } from './pool2d-shape.js';

/*
 * Average pooling over NCHW. Padding counts as zeros in the divisor (PyTorch's count_include_pad=True), and
 * since padding is at most half the kernel no window leaves the padded input: the divisor is always kh·kw.
 * Threads split the (image, channel) planes.
 */

export interface AvgPoolTask {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly g: PoolShape;
}

export function avgPool2dPlanes(t: AvgPoolTask, start: number, end: number): void {
  const { x, y, g } = t;
  const scale = 1 / (g.kh * g.kw);
  for (let pl = start; pl < end; pl++) {
    const xo = pl * g.h * g.w;
    let yo = pl * g.oh * g.ow;
    for (let oy = 0; oy < g.oh; oy++) {
      const y0 = oy * g.sh - g.ph;
      const ys = Math.max(y0, 0), ye = Math.min(y0 + g.kh, g.h);
      for (let ox = 0; ox < g.ow; ox++) {
        const x0 = ox * g.sw - g.pw;
        const xs = Math.max(x0, 0), xe = Math.min(x0 + g.kw, g.w);
        let s = 0;
        for (let iy = ys; iy < ye; iy++) for (let i = xo + iy * g.w + xs, e = xo + iy * g.w + xe; i < e; i++) s += x[i];
        y[yo++] = s * scale;
      }
    }
  }
}

export interface AvgPoolBackwardTask {
  readonly dy: Float32Array;
  readonly dx: Float32Array;
  readonly g: PoolShape;
}

export function avgPool2dBackwardPlanes(t: AvgPoolBackwardTask, start: number, end: number): void {
  const { dy, dx, g } = t;
  const scale = 1 / (g.kh * g.kw);
  for (let pl = start; pl < end; pl++) {
    const xo = pl * g.h * g.w;
    let yo = pl * g.oh * g.ow;
    for (let oy = 0; oy < g.oh; oy++) {
      const y0 = oy * g.sh - g.ph;
      const ys = Math.max(y0, 0), ye = Math.min(y0 + g.kh, g.h);
      for (let ox = 0; ox < g.ow; ox++) {
        const x0 = ox * g.sw - g.pw;
        const xs = Math.max(x0, 0), xe = Math.min(x0 + g.kw, g.w);
        const d = dy[yo++] * scale;
        for (let iy = ys; iy < ye; iy++) for (let i = xo + iy * g.w + xs, e = xo + iy * g.w + xe; i < e; i++) dx[i] += d;
      }
    }
  }
}

export function avgPool2dKernels(pool: ThreadPool): Pick<TrainingKernels, 'avgPool2d' | 'avgPool2dBackward'> {
  return {
    async avgPool2d({ x }, attrs: Pool2dAttrs) {
      const g = poolShape(x, attrs);
      const y = sharedFloat32(g.n * g.c * g.oh * g.ow);
      await pool.run('avgPool2d', { x: f32(x), y, g }, g.n * g.c, poolWork(g));
      return tensor(y, [g.n, g.c, g.oh, g.ow]);
    },
    async avgPool2dBackward({ x, dy }, attrs: Pool2dAttrs) {
      const g = poolShape(x, attrs, dy);
      const dx = sharedFloat32(g.n * g.c * g.h * g.w);
      await pool.run('avgPool2dBackward', { dy: f32(dy), dx, g }, g.n * g.c, poolWork(g));
      return tensor(dx, x.shape);
    },
  };
}
