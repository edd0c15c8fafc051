import type { BatchNormKernels, TrainingKernels } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { argmax } from './argmax.js';
import { batchNormEvalBackward } from './batch-norm-eval-backward.js';
import { batchNormEval } from './batch-norm-eval.js';
import { batchNormTrainBackward } from './batch-norm-train-backward.js';
import { batchNormTrain } from './batch-norm-train.js';
import { conv2dBackward } from './conv2d-backward.js';
import { conv2d } from './conv2d.js';
import { relu, reluBackward, sgd, sigmoid, sigmoidBackward } from './elementwise.js';
import { linearBackward } from './linear-backward.js';
import { linear } from './linear.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool2d.js';
import { softmaxCrossEntropy } from './softmax-cross-entropy.js';

type Kernels = BatchNormKernels & TrainingKernels;
type KernelImpls = { [K in keyof Kernels]: (ctx: KernelContext, ...args: Parameters<Kernels[K]>) => ReturnType<Kernels[K]> };

/** Every kernel of the contract, in one explicit table. */
const KERNELS: KernelImpls = {
  batchNormTrain,
  batchNormTrainBackward,
  batchNormEval,
  batchNormEvalBackward,
  conv2d,
  conv2dBackward,
  linear,
  linearBackward,
  avgPool2d,
  avgPool2dBackward,
  maxPool2d,
  maxPool2dBackward,
  sigmoid,
  sigmoidBackward,
  relu,
  reluBackward,
  softmaxCrossEntropy,
  sgd,
  argmax,
};

/** The kernel table bound to one backend's context. */
export function bindKernels(ctx: KernelContext): Kernels {
  const bound: Record<string, unknown> = {};
  for (const [name, impl] of Object.entries(KERNELS)) {
    bound[name] = (...args: unknown[]) => (impl as (c: KernelContext, ...a: unknown[]) => unknown)(ctx, ...args);
  }
  return bound as unknown as Kernels;
}
