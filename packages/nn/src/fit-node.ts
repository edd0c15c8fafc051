import { NODE_CHECKPOINT_FILES } from './checkpoint/file.js';
import { fitWithFiles, type FitOptions, type FitResult } from './fit.js';
import type { LabeledImages } from './data.js';
import type { Sequential } from './sequential.js';

/** `fit` (fit.ts) with `checkpoint.path` and `resumeFrom` paths on Node's file system. */
export function fit(model: Sequential, train: LabeledImages, options: FitOptions): Promise<FitResult> {
  return fitWithFiles(NODE_CHECKPOINT_FILES, model, train, options);
}
