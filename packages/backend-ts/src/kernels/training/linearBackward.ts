import type { LinearBackwardInputs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { gemmPacked, packA, packB, packedASize, packedBSize } from '../../linalg/gemm.js';
import { scratch64 } from '../../storage/scratch.js';
import { sharedFloat32, sumSlots } from '../../storage/shared.js';
import type { Threads } from '../../threads/pool.js';

/*
 * linear's gradients. Work is split into chunks of batch rows; the weight gradient, a sum over rows, is
 * computed per chunk into the chunk's own slot, and the slots are added afterwards in a fixed order.
 */

/** dx = dy·W for the rows; dW = dyᵀ·x and dbias = Σ dy over the rows into slot `slot` of `partials` ([fout·fin + fout] each). */
export interface LinearBackwardTask {
  readonly x: Float32Array;
  readonly weight: Float32Array;
  readonly fin: number;
  readonly fout: number;
  readonly dy: Float32Array;
  readonly dx: Float32Array;
  readonly partials: Float32Array;
}

export function linearBackwardRows(t: LinearBackwardTask, start: number, end: number, slot: number): void {
  const { fin, fout, dy } = t;
  const m = end - start;
  const slotOff = slot * (fout * fin + fout);

  const dyRows = scratch64('linear.dyRows', packedASize(m, fout));
  packA({ data: dy, offset: start * fout, rowStride: fout, colStride: 1 }, m, fout, dyRows);
  const w = scratch64('linear.weight', packedBSize(fout, fin));
  packB({ data: t.weight, offset: 0, rowStride: fin, colStride: 1 }, fout, fin, w);
  gemmPacked(dyRows, w, m, fin, fout, { data: t.dx, offset: start * fin, rowStride: fin, colStride: 1, accumulate: false });

  const dyT = scratch64('linear.dyT', packedASize(fout, m));
  packA({ data: dy, offset: start * fout, rowStride: 1, colStride: fout }, fout, m, dyT);
  const x = scratch64('linear.xRows', packedBSize(m, fin));
  packB({ data: t.x, offset: start * fin, rowStride: fin, colStride: 1 }, m, fin, x);
  gemmPacked(dyT, x, fout, fin, m, { data: t.partials, offset: slotOff, rowStride: fin, colStride: 1, accumulate: false });

  const biasOff = slotOff + fout * fin;
  for (let r = start; r < end; r++) {
    for (let o = 0, i = r * fout; o < fout; o++, i++) t.partials[biasOff + o] += dy[i];
  }
}

/** Tasks this kernel runs on the thread pool. */
export const linearBackwardTasks = { linearBackward: linearBackwardRows };

export function linearBackward(pool: Threads<typeof linearBackwardTasks>): TrainingKernels['linearBackward'] {
  // `checked` has already validated the shapes: x [n, fin], weight [fout, fin], dy [n, fout].
  return async (inputs: LinearBackwardInputs) => {
    const [n, fin] = inputs.x.shape;
    const fout = inputs.weight.shape[0];
    const slotSize = fout * fin + fout;
    const chunks = pool.plan(n, 4 * n * fin * fout);
    const task: LinearBackwardTask = {
      x: f32(inputs.x), weight: f32(inputs.weight), dy: f32(inputs.dy),
      dx: sharedFloat32(n * fin), partials: sharedFloat32(chunks * slotSize), fin, fout,
    };
    await pool.run('linearBackward', task, n, chunks);
    return {
      dx: tensor(task.dx, [n, fin]),
      dweight: tensor(sumSlots(task.partials, slotSize, 0, fout * fin), [fout, fin]),
      dbias: tensor(sumSlots(task.partials, slotSize, fout * fin, fout), [fout]),
    };
  };
}
