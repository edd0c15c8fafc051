import { sizeOf, type TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import type { Threads } from '../../threads/pool.js';

/* sigmoid's gradient from its output: dx = dy·y·(1 − y). Large tensors are split across threads. */

/** Estimated cost per element relative to one GEMM FLOP, for the threading decision. */
const SIGMOID_BACKWARD_COST = 4;

export interface SigmoidBackwardTask {
  readonly y: Float32Array;
  readonly dy: Float32Array;
  readonly dx: Float32Array;
}

export function sigmoidBackwardRange(t: SigmoidBackwardTask, start: number, end: number): void {
  const { y, dy, dx } = t;
  for (let i = start; i < end; i++) {
    const s = y[i];
    dx[i] = dy[i] * s * (1 - s);
  }
}

/** Tasks this kernel runs on the thread pool. */
export const sigmoidBackwardTasks = { sigmoidBackward: sigmoidBackwardRange };

export function sigmoidBackward(pool: Threads<typeof sigmoidBackwardTasks>): TrainingKernels['sigmoidBackward'] {
  return async ({ y, dy }) => {
    const n = sizeOf(y.shape);
    const dx = sharedFloat32ForOverwrite(n);
    await pool.run('sigmoidBackward', { y: f32(y), dy: f32(dy), dx }, n, pool.plan(n, n * SIGMOID_BACKWARD_COST));
    return tensor(dx, y.shape);
  };
}
