import type { Backend, Tensor, TrainingKernels } from '@bnkit/core';
import { mulberry32 } from '@bnkit/core';

/** Shared by the kernels-*.test.ts and training-*.test.ts files of @bnkit/backend-ts. */

export type TrainingBackend = Backend & TrainingKernels;

/** Deterministic uniform values in [lo, hi) from @bnkit/core's mulberry32, so every failure replays. */
export function seeded(seed: number): (lo?: number, hi?: number) => number {
  const u = mulberry32(seed);
  return (lo = -1, hi = 1) => lo + (hi - lo) * u();
}

export function randomArray(n: number, rand: (lo?: number, hi?: number) => number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rand(lo, hi));
}

export async function read(b: Backend, t: Tensor | undefined): Promise<Float32Array | Int32Array> {
  if (!t) throw new Error('missing tensor');
  return b.read(t);
}
