import type { Backend, Tensor, TrainingKernels } from '@bnkit/core';

/** Shared by the kernels-*.test.ts and training-*.test.ts files of @bnkit/backend-ts. */

export type TrainingBackend = Backend & TrainingKernels;

/** Deterministic uniform values in [lo, hi) (mulberry32), so every failure replays. */
export function seeded(seed: number): (lo?: number, hi?: number) => number {
  let a = seed >>> 0;
  return (lo = -1, hi = 1) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

export function randomArray(n: number, rand: (lo?: number, hi?: number) => number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rand(lo, hi));
}

export async function read(b: Backend, t: Tensor | undefined): Promise<Float32Array | Int32Array> {
  if (!t) throw new Error('missing tensor');
  return b.read(t);
}
