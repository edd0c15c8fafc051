import type { Pool2dAttrs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import type { ThreadPool } from '../../threads/pool.js';
import { scratch } from '../../storage/scratch.js';
import { sharedFloat32, sharedFloat32ForOverwrite } from '../../storage/shared.js';
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

/*
 * Both passes are separable: per output row, the window rows are first summed column by column into a row
 * buffer (contiguous loops), then each output sums its window columns of that buffer. This avoids a
 * bounds-checked kh×kw loop per output, which cost more than the additions.
 */

/** First and one-past-last input index of each window along one axis, clipped to the input. */
function windows(outSize: number, inSize: number, kernel: number, stride: number, pad: number): Int32Array {
  const bounds = new Int32Array(2 * outSize);
  for (let o = 0; o < outSize; o++) {
    const s = o * stride - pad;
    bounds[2 * o] = Math.max(s, 0);
    bounds[2 * o + 1] = Math.min(s + kernel, inSize);
  }
  return bounds;
}

export function avgPool2dPlanes(t: AvgPoolTask, start: number, end: number): void {
  const { x, y, g } = t;
  const scale = 1 / (g.kh * g.kw);
  const rowsOf = windows(g.oh, g.h, g.kh, g.sh, g.ph);
  const colsOf = windows(g.ow, g.w, g.kw, g.sw, g.pw);
  const row = scratch('avgPool2d.row', g.w);
  for (let pl = start; pl < end; pl++) {
    const xo = pl * g.h * g.w;
    let yo = pl * g.oh * g.ow;
    for (let oy = 0; oy < g.oh; oy++) {
      row.fill(0, 0, g.w);
      for (let iy = rowsOf[2 * oy], ye = rowsOf[2 * oy + 1]; iy < ye; iy++) {
        for (let ix = 0, i = xo + iy * g.w; ix < g.w; ix++, i++) row[ix] += x[i];
      }
      for (let ox = 0; ox < g.ow; ox++) {
        let s = 0;
        for (let ix = colsOf[2 * ox], xe = colsOf[2 * ox + 1]; ix < xe; ix++) s += row[ix];
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
  const rowsOf = windows(g.oh, g.h, g.kh, g.sh, g.ph);
  const colsOf = windows(g.ow, g.w, g.kw, g.sw, g.pw);
  const row = scratch('avgPool2d.row', g.w);
  // With stride >= kernel (LeNet's 2×2 / 2) no input row is in two window rows: each dx row is stored once
  // instead of added onto zeros, and only the rows no window covers are zeroed (dx is not pre-zeroed).
  const disjoint = disjointRows(g);
  for (let pl = start; pl < end; pl++) {
    const xo = pl * g.h * g.w;
    let yo = pl * g.oh * g.ow;
    let written = xo;
    for (let oy = 0; oy < g.oh; oy++) {
      row.fill(0, 0, g.w);
      for (let ox = 0; ox < g.ow; ox++) {
        const d = dy[yo++] * scale;
        for (let ix = colsOf[2 * ox], xe = colsOf[2 * ox + 1]; ix < xe; ix++) row[ix] += d;
      }
      const r0 = rowsOf[2 * oy], r1 = rowsOf[2 * oy + 1];
      if (disjoint) {
        dx.fill(0, written, xo + r0 * g.w);
        for (let iy = r0; iy < r1; iy++) dx.set(row.subarray(0, g.w), xo + iy * g.w);
        written = xo + r1 * g.w;
      } else {
        for (let iy = r0; iy < r1; iy++) {
          for (let ix = 0, i = xo + iy * g.w; ix < g.w; ix++, i++) dx[i] += row[ix];
        }
      }
    }
    if (disjoint) dx.fill(0, written, xo + g.h * g.w);
  }
}

/** Whether no input row lies in two windows, so the backward pass may store rows instead of adding them. */
function disjointRows(g: PoolShape): boolean {
  return g.sh >= g.kh;
}

export function avgPool2dKernels(pool: ThreadPool): Pick<TrainingKernels, 'avgPool2d' | 'avgPool2dBackward'> {
  return {
    async avgPool2d({ x }, attrs: Pool2dAttrs) {
      const g = poolShape(x, attrs);
      const y = sharedFloat32ForOverwrite(g.n * g.c * g.oh * g.ow);
      await pool.run('avgPool2d', { x: f32(x), y, g }, g.n * g.c, pool.plan(g.n * g.c, poolWork(g)));
      return tensor(y, [g.n, g.c, g.oh, g.ow]);
    },
    async avgPool2dBackward({ x, dy }, attrs: Pool2dAttrs) {
      const g = poolShape(x, attrs);
      // Overlapping windows add into dx, so it starts zeroed; disjoint ones write every value themselves.
      const size = g.n * g.c * g.h * g.w;
      const dx = disjointRows(g) ? sharedFloat32ForOverwrite(size) : sharedFloat32(size);
      await pool.run('avgPool2dBackward', { dy: f32(dy), dx, g }, g.n * g.c, pool.plan(g.n * g.c, poolWork(g)));
      return tensor(dx, x.shape);
    },
  };
}
