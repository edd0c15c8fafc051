import type { TrainingKernels } from '@bnkit/core';
import type { Threads } from '../../threads/pool.js';
import { averaging, poolForward, type PoolTask } from './pooling.js';

/*
 * Average pooling over NCHW. Padding counts as zeros in the divisor (PyTorch's count_include_pad=True), and
 * since padding is at most half the kernel no window leaves the padded input: the divisor is always kh·kw.
 * Threads split the (image, channel) planes. Separable: per output row, the window rows are first summed
 * column by column into a row buffer (contiguous loops), then each output sums its window columns of that
 * buffer. This avoids a bounds-checked kh×kw loop per output, which cost more than the additions.
 */

export function avgPool2dPlanes(t: PoolTask, start: number, end: number): void {
  const { x, y, g } = t;
  const { scale, rows: rowsOf, cols: colsOf, row } = averaging(g);
  // Geometry in locals: no object field is read inside the loops (see avgPool2dBackward.ts for why).
  const { h, w, oh, ow } = g;
  for (let pl = start; pl < end; pl++) {
    const xo = pl * h * w;
    let yo = pl * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      for (let ix = 0; ix < w; ix++) row[ix] = 0;
      for (let iy = rowsOf[2 * oy], ye = rowsOf[2 * oy + 1]; iy < ye; iy++) {
        for (let ix = 0, i = xo + iy * w; ix < w; ix++, i++) row[ix] += x[i];
      }
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let ix = colsOf[2 * ox], xe = colsOf[2 * ox + 1]; ix < xe; ix++) s += row[ix];
        y[yo++] = s * scale;
      }
    }
  }
}

/** Tasks this kernel runs on the thread pool. */
export const avgPool2dTasks = { avgPool2d: avgPool2dPlanes };

export function avgPool2d(pool: Threads<typeof avgPool2dTasks>): TrainingKernels['avgPool2d'] {
  return poolForward(pool, 'avgPool2d');
}
