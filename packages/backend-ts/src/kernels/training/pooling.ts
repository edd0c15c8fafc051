/* What the pooling kernels share: geometry, window bounds, the winner of a max window, the forward kernel. */

import { pool2dGeometry, type Pool2dAttrs, type Pool2dGeometry, type Tensor, type TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { scratch } from '../../storage/scratch.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import type { Task } from '../../threads/chunks.js';
import type { Threads } from '../../threads/pool.js';

/** Pooling geometry plus attributes; a plain object so it can be posted to workers. */
export interface PoolShape extends Pool2dGeometry {
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
}

/** The call's geometry; `checked` has already validated the arguments, so it is only derived here. */
export function poolShape(x: Tensor, attrs: Pool2dAttrs): PoolShape {
  const g = pool2dGeometry(x.shape, attrs);
  return {
    ...g, kh: attrs.kernel[0], kw: attrs.kernel[1], sh: attrs.stride[0], sw: attrs.stride[1], ph: attrs.padding[0], pw: attrs.padding[1],
  };
}

/**
 * Estimated cost of a pooling pass for the threading decision, in GEMM-FLOP equivalents: each window element
 * costs a scattered load and a compare or add, about 8 times a FLOP of the packed GEMM.
 */
export function poolWork(g: PoolShape): number {
  return 8 * g.n * g.c * g.oh * g.ow * g.kh * g.kw;
}

/** Input rows [rows[2o], rows[2o + 1]) and columns [cols[2o], cols[2o + 1]) of output row / column o's window. */
export interface PoolWindows {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
}

/** The window bounds of both axes, clipped to the input (padding lies outside it). */
export function poolWindows(g: PoolShape): PoolWindows {
  return { rows: windowBounds(g.oh, g.h, g.kh, g.sh, g.ph), cols: windowBounds(g.ow, g.w, g.kw, g.sw, g.pw) };
}

/** First and one-past-last input index of each window along one axis, clipped to the input. */
function windowBounds(outSize: number, inSize: number, kernel: number, stride: number, pad: number): Int32Array {
  const bounds = new Int32Array(2 * outSize);
  for (let o = 0; o < outSize; o++) {
    const s = o * stride - pad;
    bounds[2 * o] = Math.max(s, 0);
    bounds[2 * o + 1] = Math.min(s + kernel, inSize);
  }
  return bounds;
}

/**
 * Offset within the plane of the winning element of the window starting at (y0, x0): -Infinity padding, so
 * only in-bounds elements compete; the first maximum in row-major order wins (strict >), NaN over numbers.
 */
export function windowArgmax(x: Float32Array, xo: number, g: PoolShape, y0: number, x0: number): number {
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

/** What both average-pooling passes need per call: 1 / divisor, the window bounds and a row buffer of width w. */
export function averaging(g: PoolShape): PoolWindows & { readonly scale: number; readonly row: Float32Array } {
  return { scale: 1 / (g.kh * g.kw), ...poolWindows(g), row: scratch('avgPool2d.row', g.w) };
}

/** A forward pooling pass over planes [start, end) of x into y. */
export interface PoolTask {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly g: PoolShape;
}

/** A forward pooling kernel (avgPool2d, maxPool2d): task `name` over the (image, channel) planes, split across threads. */
export function poolForward<N extends string>(pool: Threads<Record<N, Task<PoolTask>>>, name: N): TrainingKernels['avgPool2d'] {
  return async ({ x }, attrs: Pool2dAttrs) => {
    const g = poolShape(x, attrs);
    const y = sharedFloat32ForOverwrite(g.n * g.c * g.oh * g.ow);
    await pool.run(name, { x: f32(x), y, g }, g.n * g.c, pool.plan(g.n * g.c, poolWork(g)));
    return tensor(y, [g.n, g.c, g.oh, g.ow]);
  };
}
