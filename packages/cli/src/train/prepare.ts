import { CheckpointError, checkpointFileKind, readCheckpoint } from '@bnkit/nn';
import { prepareOutputs } from '../options/outputs.js';
import { UsageError } from '../options/usage-error.js';
import type { TrainOptions } from './args.js';
import { resumedOptions } from './run-description.js';

/**
 * What pnpm train checks on disk before loading a backend or data: every output can be written, and the
 * --checkpoint file is safe to use. An existing checkpoint is continued only with --resume (and must then
 * read back whole) and replaced only with --overwrite; a file that is not a bnkit checkpoint is never used.
 * Returns the options to run with: a resumed run's come from its checkpoint where not given again.
 */
export async function prepareTraining(options: TrainOptions): Promise<TrainOptions> {
  prepareOutputs([
    { flag: 'out', path: options.out, kind: 'directory' },
    ...(options.checkpoint !== undefined ? [{ flag: 'checkpoint', path: options.checkpoint, kind: 'file' } as const] : []),
    ...(options.export !== undefined ? [{ flag: 'export', path: options.export, kind: 'file' } as const] : []),
  ]);
  const path = options.checkpoint;
  if (path === undefined) return options;
  const kind = await checkpointFileKind(path);
  if (kind === 'other') throw new UsageError(`--checkpoint ${path} exists and is not a bnkit checkpoint; bnkit never replaces it (choose another path)`);
  if (kind === 'none') return options;
  if (!options.resume && !options.overwrite) {
    throw new UsageError(`--checkpoint ${path} already holds a checkpoint; pass --resume to continue that run or --overwrite to start a new one in its place`);
  }
  if (!options.resume) return options;
  let saved;
  try {
    saved = await readCheckpoint(path);
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(`--resume: ${e.message}`);
    throw e;
  }
  return resumedOptions(options, saved.run, path);
}
