import { writeFileAtomic } from '../checkpoint/atomic-write.js';
import { readModelFile } from '../checkpoint/file.js';
import type { Sequential } from '../sequential.js';
import { exportPyTorchWeights, importPyTorchWeights } from './pytorch.js';

// PyTorch weight files (Node): the safetensors bytes of pytorch.ts, written atomically.

/** Writes `exportPyTorchWeights(model)` to `path` atomically. */
export async function savePyTorchWeights(path: string, model: Sequential): Promise<void> {
  await writeFileAtomic(path, await exportPyTorchWeights(model));
}

/** Reads a safetensors file with PyTorch's names into the model (CheckpointNotFoundError when there is no file). */
export async function loadPyTorchWeights(path: string, model: Sequential): Promise<void> {
  importPyTorchWeights(model, await readModelFile(path), path);
}
