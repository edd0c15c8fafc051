// Placeholder until the training kernels land: the backend declares no training kernels yet.
import type { TrainingKernels } from '@bnkit/core';

export async function createTrainingKernels(_options: { threads?: number }): Promise<{ kernels: TrainingKernels; threads: number; close(): Promise<void> }> {
  return { kernels: {} as TrainingKernels, threads: 1, close: async () => undefined };
}
