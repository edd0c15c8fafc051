import type { BatchNormKernels, TrainingKernels } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { argmax } from './argmax.js';
import { avgPool2d } from './avgPool2d.js';
import { avgPool2dBackward } from './avgPool2dBackward.js';
import { batchNormEval } from './batchNormEval.js';
import { batchNormEvalBackward } from './batchNormEvalBackward.js';
import { batchNormTrain } from './batchNormTrain.js';
import { batchNormTrainBackward } from './batchNormTrainBackward.js';
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

type Kernels = BatchNormKernels & TrainingKernels;
type KernelImpls = { [K in keyof Kernels]: (ctx: KernelContext, ...args: Parameters<Kernels[K]>) => ReturnType<Kernels[K]> };

/** Every kernel of the contract, in one explicit table; each lives in the file named after it. */
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
