// Placeholder until the BatchNorm kernels land.
import type { BatchNormKernels } from '@bnkit/core';

export const batchNormKernels = {} as BatchNormKernels;
