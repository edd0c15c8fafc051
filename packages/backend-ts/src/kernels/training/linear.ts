import type { LinearInputs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { gemmPacked, packA, packB, packedASize, packedBSize } from '../../linalg/gemm.js';
import { scratch64 } from '../../storage/scratch.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import type { Threads } from '../../threads/pool.js';

/* linear with PyTorch's weight layout [out, in]: y = x·Wᵀ + b, the batch rows split into chunks across threads. */

export interface LinearForwardTask {
  readonly x: Float32Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly y: Float32Array;
  readonly fin: number;
  readonly fout: number;
}

export function linearForwardRows(t: LinearForwardTask, start: number, end: number): void {
  const { fin, fout } = t;
  const m = end - start;
  const a = scratch64('linear.x', packedASize(m, fin));
  packA({ data: t.x, offset: start * fin, rowStride: fin, colStride: 1 }, m, fin, a);
  const wT = scratch64('linear.weightT', packedBSize(fin, fout));
  packB({ data: t.weight, offset: 0, rowStride: 1, colStride: fin }, fin, fout, wT);
  gemmPacked(a, wT, m, fout, fin, { data: t.y, offset: start * fout, rowStride: fout, colStride: 1, accumulate: false, colBias: t.bias });
}

/** Tasks this kernel runs on the thread pool. */
export const linearTasks = { linear: linearForwardRows };

export function linear(pool: Threads<typeof linearTasks>): TrainingKernels['linear'] {
  // `checked` has already validated the shapes: x [n, fin], weight [fout, fin].
  return async (inputs: LinearInputs) => {
    const [n, fin] = inputs.x.shape;
    const fout = inputs.weight.shape[0];
    const y = sharedFloat32ForOverwrite(n * fout);
    const task: LinearForwardTask = {
      x: f32(inputs.x), weight: f32(inputs.weight), bias: f32(inputs.bias), y, fin, fout,
    };
    await pool.run('linear', task, n, pool.plan(n, 2 * n * fin * fout));
    return tensor(y, [n, fout]);
  };
}
