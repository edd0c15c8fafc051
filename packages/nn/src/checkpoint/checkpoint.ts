import { open, stat } from 'node:fs/promises';
import { formatShape, shapesEqual } from '@bnkit/core';
import { readRegularFile } from '@bnkit/data';
import type { Sequential } from '../sequential.js';
import type { TrainingState } from '../training-state.js';
import { removeOrphanedTemps, writeFileAtomic } from './atomic-write.js';
import { CheckpointMismatchError, CheckpointNotFoundError, CheckpointOverwriteError, CorruptCheckpointError } from './errors.js';
import { CHECKPOINT_MAGIC, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type HostTensor } from './format.js';

/** Captures the model's parameters and running statistics (and, optionally, the run's position). */
export async function captureCheckpoint(model: Sequential, training: TrainingState | null = null): Promise<Checkpoint> {
  const state = await model.state();
  const shapes = model.shapes();
  const tensors: Record<string, HostTensor> = {};
  for (const [name, data] of Object.entries(state)) tensors[name] = { shape: shapes[name], data };
  return { tensors, training, model: model.describe() };
}

/**
 * What is at `path`: nothing, a file that starts like a bnkit checkpoint (it may still be damaged), or
 * something else (another file, a directory). Reads 8 bytes at most.
 */
export async function checkpointFileKind(path: string): Promise<'none' | 'checkpoint' | 'other'> {
  // stat before open: opening a FIFO for reading would wait for a writer forever.
  let stats;
  try {
    stats = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw e;
  }
  if (!stats.isFile()) return 'other';
  const fh = await open(path, 'r');
  try {
    const magic = Buffer.alloc(CHECKPOINT_MAGIC.length);
    const { bytesRead } = await fh.read(magic, 0, magic.length, 0);
    return bytesRead === magic.length && magic.toString('latin1') === CHECKPOINT_MAGIC ? 'checkpoint' : 'other';
  } finally {
    await fh.close();
  }
}

/**
 * Writes the model (and the run's position) to `path` atomically: a crash leaves the previous file intact.
 * Replaces an earlier checkpoint, never any other file (CheckpointOverwriteError). Removes the temporary
 * files of earlier saves that were killed.
 */
export async function saveCheckpoint(path: string, model: Sequential, training: TrainingState | null = null): Promise<void> {
  if ((await checkpointFileKind(path)) === 'other') {
    throw new CheckpointOverwriteError(path, 'exists and is not a bnkit checkpoint; bnkit does not replace it (choose another path)');
  }
  await writeFileAtomic(path, encodeCheckpoint(await captureCheckpoint(model, training)));
}

/**
 * The bytes of a model file (checkpoint or safetensors): CheckpointNotFoundError when there is none, and
 * CorruptCheckpointError for a path that is no regular file (a directory; a FIFO, which is never waited on)
 * or cannot be opened.
 */
export async function readModelFile(path: string): Promise<Uint8Array> {
  const read = await readRegularFile(path);
  if (read.ok) return read.bytes;
  if (read.problem === 'missing') throw new CheckpointNotFoundError(path, read.detail);
  throw new CorruptCheckpointError(path, read.detail);
}

/** Reads and verifies a checkpoint file (magic, version, checksum, header); removes orphaned temporary files of it. */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  await removeOrphanedTemps(path);
  return decodeCheckpoint(await readModelFile(path), path);
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

/** readCheckpoint + restoreCheckpoint; returns the checkpoint (its `training` position included). */
export async function loadCheckpoint(path: string, model: Sequential): Promise<Checkpoint> {
  const checkpoint = await readCheckpoint(path);
  restoreCheckpoint(model, checkpoint, path);
  return checkpoint;
}
