import type { TrainingKernels } from '@bnkit/core';
import { ThreadPool, defaultThreads } from '../../threads/pool.js';
import { argmaxKernels } from './argmax.js';
import { avgPool2dKernels } from './avgPool2d.js';
import { conv2dKernels } from './conv2d.js';
import { linearKernels } from './linear.js';
import { maxPool2dKernels } from './maxPool2d.js';
import { reluKernels } from './relu.js';
import { sgdKernels } from './sgd.js';
import { sigmoidKernels } from './sigmoid.js';
import { softmaxCrossEntropyKernels } from './softmaxCrossEntropy.js';

export interface TrainingKernelSet {
  readonly kernels: TrainingKernels;
  /** Compute threads in use, the calling one included. */
  readonly threads: number;
  /** Terminates the worker threads. */
  close(): Promise<void>;
}

/**
 * The training kernels of the TypeScript backend. `threads` (default: cores, at most 4) counts the calling
 * thread; `threads: 1` starts no workers. Workers are unref'd, so an unclosed backend does not keep the
 * process alive.
 */
export async function createTrainingKernels(options: { threads?: number }): Promise<TrainingKernelSet> {
  const pool = await ThreadPool.create(options.threads ?? defaultThreads());
  const kernels: TrainingKernels = {
    ...conv2dKernels(pool),
    ...linearKernels(pool),
    ...avgPool2dKernels(pool),
    ...maxPool2dKernels(pool),
    ...sigmoidKernels(pool),
    ...reluKernels,
    ...softmaxCrossEntropyKernels,
    ...sgdKernels,
    ...argmaxKernels,
  };
  return { kernels, threads: pool.size, close: () => pool.close() };
}
