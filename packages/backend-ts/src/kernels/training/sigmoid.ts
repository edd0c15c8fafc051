import { sizeOf, type TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { sharedFloat32ForOverwrite } from '../../storage/shared.js';
import type { Threads } from '../../threads/pool.js';

/*
 * sigmoid evaluated as 1/(1+e) or e/(1+e) with e = exp(−|x|) ≤ 1, so it never overflows for large |x|.
 * Math.exp is V8's fdlibm port (~9 ns here) and dominated the kernel; the exp below is accurate to ~1.2e-7
 * relative (below float32 resolution) at about half the cost. Large tensors are split across threads.
 */

const LOG2E = 1.4426950408889634;
const LN2 = 0.6931471805599453;
/** exp(t) for t below this is under half the smallest float32 subnormal: the sigmoid rounds to 0 or 1. */
const EXP_FLOOR = -110;
const POW2_BIAS = 200;
/** POW2[k + POW2_BIAS] = 2^k for the exponents exp(t), t in [EXP_FLOOR, 0], needs. */
const POW2 = Float64Array.from({ length: POW2_BIAS + 2 }, (_, i) => 2 ** (i - POW2_BIAS));

/** exp(t) for t <= 0: t = k·ln2 + r with |r| <= ln2/2, exp(r) by its degree-7 Taylor polynomial. */
function expNonPositive(t: number): number {
  const u = t < EXP_FLOOR ? EXP_FLOOR : t;
  const k = Math.floor(u * LOG2E + 0.5);
  const r = u - k * LN2;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  return p * POW2[k + POW2_BIAS];
}

/** Estimated cost per element relative to one GEMM FLOP, for the threading decision. */
const SIGMOID_COST = 50;

export interface SigmoidTask {
  readonly x: Float32Array;
  readonly y: Float32Array;
}

export function sigmoidRange(t: SigmoidTask, start: number, end: number): void {
  const { x, y } = t;
  for (let i = start; i < end; i++) {
    const v = x[i];
    const e = expNonPositive(-Math.abs(v));
    // 1/(1+e) for v >= 0, e/(1+e) below, selected by arithmetic: the sign of BatchNorm's output is a coin
    // flip, and a branch on it mispredicted often enough to cost a third of the kernel.
    const positive = +(v >= 0);
    y[i] = (positive + (1 - positive) * e) / (1 + e);
  }
}

/** Tasks this kernel runs on the thread pool. */
export const sigmoidTasks = { sigmoid: sigmoidRange };

export function sigmoid(pool: Threads<typeof sigmoidTasks>): TrainingKernels['sigmoid'] {
  return async ({ x }) => {
    const n = sizeOf(x.shape);
    const y = sharedFloat32ForOverwrite(n);
    await pool.run('sigmoid', { x: f32(x), y }, n, pool.plan(n, n * SIGMOID_COST));
    return tensor(y, x.shape);
  };
}
