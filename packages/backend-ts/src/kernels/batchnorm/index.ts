import type { BatchNormKernels } from '@bnkit/core';
import { batchNormEval } from './batchNormEval.js';
import { batchNormEvalBackward } from './batchNormEvalBackward.js';
import { batchNormTrain } from './batchNormTrain.js';
import { batchNormTrainBackward } from './batchNormTrainBackward.js';

/**
 * The BatchNorm group. Arguments arrive validated (the backend is wrapped by `checked`), inputs are only
 * read, and every result is a new tensor; x-shaped results live in shared memory (storage/shared.ts) so
 * the threaded kernels that follow take them without a copy.
 */
export const batchNormKernels: BatchNormKernels = {
  batchNormTrain,
  batchNormTrainBackward,
  batchNormEval,
  batchNormEvalBackward,
};
