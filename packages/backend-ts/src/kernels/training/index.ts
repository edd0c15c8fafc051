import type { TrainingKernels } from '@bnkit/core';
import { ThreadPool, defaultThreads } from '../../threads/pool.js';
import { argmax } from './argmax.js';
import { avgPool2d } from './avgPool2d.js';
import { avgPool2dBackward } from './avgPool2dBackward.js';
import { conv2d } from './conv2d.js';
import { conv2dBackward } from './conv2dBackward.js';
import { linear } from './linear.js';
import { linearBackward } from './linearBackward.js';
import { maxPool2d } from './maxPool2d.js';
import { maxPool2dBackward } from './maxPool2dBackward.js';
import { relu } from './relu.js';
import { reluBackward } from './reluBackward.js';
import { sgd } from './sgd.js';
import { sigmoid } from './sigmoid.js';
import { sigmoidBackward } from './sigmoidBackward.js';
import { softmaxCrossEntropy } from './softmaxCrossEntropy.js';
import { tasks } from './tasks.js';

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
  const pool = await ThreadPool.create(options.threads ?? defaultThreads(), tasks, new URL('./tasks.js', import.meta.url));
  const kernels: TrainingKernels = {
    conv2d: conv2d(pool),
    conv2dBackward: conv2dBackward(pool),
    linear: linear(pool),
    linearBackward: linearBackward(pool),
    avgPool2d: avgPool2d(pool),
    avgPool2dBackward: avgPool2dBackward(pool),
    maxPool2d: maxPool2d(pool),
    maxPool2dBackward: maxPool2dBackward(pool),
    sigmoid: sigmoid(pool),
    sigmoidBackward: sigmoidBackward(pool),
    relu,
    reluBackward,
    softmaxCrossEntropy,
    sgd,
    argmax,
  };
  return { kernels, threads: pool.size, close: () => pool.close() };
}
