import { open, stat } from 'node:fs/promises';
import { readRegularFile } from '@bnkit/data/node';
import type { Sequential } from '../sequential.js';
import type { TrainingState } from '../training-state.js';
import { removeOrphanedTemps, writeFileAtomic } from './atomic-write.js';
import { checkpointToBytes, loadCheckpointBytes } from './checkpoint.js';
import { CheckpointNotFoundError, CheckpointOverwriteError, CorruptCheckpointError } from './errors.js';
import type { CheckpointFiles } from './files.js';
import { CHECKPOINT_MAGIC, decodeCheckpoint, type Checkpoint, type RunDescription } from './format.js';

// Checkpoint files (Node): the bytes of checkpoint.ts, written atomically.

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
export async function saveCheckpoint(path: string, model: Sequential, training: TrainingState | null = null, run?: RunDescription): Promise<void> {
  if ((await checkpointFileKind(path)) === 'other') {
    throw new CheckpointOverwriteError(path, 'exists and is not a bnkit checkpoint; bnkit does not replace it (choose another path)');
  }
  await writeFileAtomic(path, await checkpointToBytes(model, training, run));
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

/** readCheckpoint + restoreCheckpoint; returns the checkpoint (its `training` position included). */
export async function loadCheckpoint(path: string, model: Sequential): Promise<Checkpoint> {
  await removeOrphanedTemps(path);
  return loadCheckpointBytes(await readModelFile(path), model, path);
}

/** fit's checkpoint files on Node's file system. */
export const NODE_CHECKPOINT_FILES: CheckpointFiles = { save: saveCheckpoint, read: readCheckpoint };
