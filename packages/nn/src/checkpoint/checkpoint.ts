import { formatShape, shapesEqual } from '@bnkit/core';
import type { Sequential } from '../sequential.js';
import type { TrainingState } from '../training-state.js';
import { CheckpointMismatchError } from './errors.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type HostTensor, type RunDescription } from './format.js';

/** Captures the model's parameters and running statistics (and, optionally, the run's position). */
export async function captureCheckpoint(model: Sequential, training: TrainingState | null = null, run?: RunDescription): Promise<Checkpoint> {
  const state = await model.state();
  const shapes = model.shapes();
  const tensors: Record<string, HostTensor> = {};
  for (const [name, data] of Object.entries(state)) tensors[name] = { shape: shapes[name], data };
  return { tensors, training, model: model.describe(), ...(run !== undefined ? { run } : {}) };
}

/**
 * Loads a checkpoint's tensors into the model after checking that it holds exactly the model's tensors
 * with the model's shapes (CheckpointMismatchError otherwise; the model is then unchanged).
 */
export function restoreCheckpoint(model: Sequential, checkpoint: Checkpoint, source = '<memory>'): void {
  const shapes = model.shapes();
  const problems: string[] = [];
  for (const [name, shape] of Object.entries(shapes)) {
    const t = checkpoint.tensors[name];
    if (!t) problems.push(`missing ${name}`);
    else if (!shapesEqual(t.shape, shape)) problems.push(`${name} has shape ${formatShape(t.shape)}, the model needs ${formatShape(shape)}`);
  }
  for (const name of Object.keys(checkpoint.tensors)) if (!(name in shapes)) problems.push(`unknown ${name}`);
  if (problems.length) {
    throw new CheckpointMismatchError(source, `does not fit the model (${problems.join('; ')}); it was saved from:\n${checkpoint.model}`);
  }
  model.loadState(Object.fromEntries(Object.entries(checkpoint.tensors).map(([n, t]) => [n, t.data])));
}

/** The model (and the run's position) as checkpoint bytes, e.g. for a download or IndexedDB; saveCheckpoint writes these. */
export async function checkpointToBytes(model: Sequential, training: TrainingState | null = null, run?: RunDescription): Promise<Uint8Array> {
  return encodeCheckpoint(await captureCheckpoint(model, training, run));
}

/** Verifies checkpoint bytes and loads them into the model; returns the checkpoint (its `training` position included). */
export function loadCheckpointBytes(bytes: Uint8Array, model: Sequential, source = '<memory>'): Checkpoint {
  const checkpoint = decodeCheckpoint(bytes, source);
  restoreCheckpoint(model, checkpoint, source);
  return checkpoint;
}
