import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './usage-error.js';

/** A place a command will write to: a file (`--json`, `--checkpoint`) or a directory (`--out`). */
export interface OutputLocation {
  readonly flag: string;
  readonly path: string;
  readonly kind: 'file' | 'directory';
}

function mkdirs(flag: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`--${flag}: cannot create the directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!statSync(dir).isDirectory()) throw new UsageError(`--${flag}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`--${flag}: the directory ${dir} is not writable`);
  }
}

/**
 * Makes sure every location can be written before any work starts, so a long run never ends by losing its
 * results: creates missing parent directories (and `directory` locations themselves), and refuses a
 * directory where a file is wanted, a read-only file, or a path under a file. Files themselves are not
 * created here; a file's directory must be writable because bnkit writes through a temporary file there.
 */
export function prepareOutputs(locations: readonly OutputLocation[]): void {
  for (const { flag, path, kind } of locations) {
    const full = resolve(path);
    if (kind === 'directory') {
      mkdirs(flag, full);
      continue;
    }
    mkdirs(flag, dirname(full));
    let stats;
    try {
      stats = statSync(full);
    } catch {
      continue; // Not there yet: the writable directory is enough.
    }
    if (!stats.isFile()) throw new UsageError(`--${flag}: ${full} exists and is not a regular file`);
    try {
      accessSync(full, constants.W_OK);
    } catch {
      throw new UsageError(`--${flag}: ${full} is not writable`);
    }
  }
}
