import { BnkitError } from '@bnkit/core';

/** A checkpoint could not be used; `path` names the file (or '<memory>' for bytes). */
export class CheckpointError extends BnkitError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('CHECKPOINT', `checkpoint ${path}: ${message}`);
    this.path = path;
  }
}

/** No file at the path. */
export class CheckpointNotFoundError extends CheckpointError {}

/** The file is not a readable bnkit checkpoint: wrong magic, truncated, bad checksum, bad header, unknown version. */
export class CorruptCheckpointError extends CheckpointError {}

/** A sound checkpoint that does not fit: other tensor names or shapes than the model, or another run's settings. */
export class CheckpointMismatchError extends CheckpointError {}

/** A save would replace a file that is not a bnkit checkpoint (or a directory); bnkit never does. */
export class CheckpointOverwriteError extends CheckpointError {}
