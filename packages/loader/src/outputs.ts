import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Raises the caller's usage error (each CLI has its own class, all exit 2). */
export type UsageFailure = (message: string) => Error;

/** A place a command will write to: a file (`--json`, `--checkpoint`) or a directory (`--out`). */
export interface OutputLocation {
  readonly flag: string;
  readonly path: string;
  readonly kind: 'file' | 'directory';
}

function writableDirectory(flag: string, dir: string, fail: UsageFailure): void {
  if (!statSync(dir).isDirectory()) throw fail(`--${flag}: ${dir} is not a directory`);
  // Making something there is the only test that holds: access(W_OK) says yes to root everywhere, /proc included.
  try {
    rmdirSync(mkdtempSync(join(dir, '.bnkit-probe-')));
  } catch (e) {
    throw fail(`--${flag}: the directory ${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The directory itself when it exists, else the nearest ancestor that does (which must be a writable directory to create it in). */
function nearestExisting(dir: string): string {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/**
 * Creates `dir` and its missing parents one level at a time. Not mkdirSync's recursive mode: on a file system
 * that answers ENOENT for a directory it cannot hold (/proc), Node 20's retries it forever.
 */
function createDirectories(flag: string, dir: string, fail: UsageFailure): void {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (e) {
      throw fail(`--${flag}: cannot create the directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  writableDirectory(flag, dir, fail);
}

/**
 * Makes sure every location can be written before any work starts, so a long run never ends by losing its
 * results. A `directory` location must exist as a writable directory or be creatable (its nearest existing
 * ancestor a writable directory; the command creates it when it writes there). A `file` location gets its
 * missing parent directories created (a file's directory must be writable: bnkit writes through a temporary
 * file there) and must not be a directory or a read-only file. A path under a regular file is refused.
 * Shared by every bnkit CLI (train, bench, experiment, conformance), each raising its own usage error.
 */
export function prepareOutputs(locations: readonly OutputLocation[], fail: UsageFailure): void {
  for (const { flag, path, kind } of locations) {
    const full = resolve(path);
    if (kind === 'directory') {
      const existing = nearestExisting(full);
      if (existing !== full && !statSync(existing).isDirectory()) throw fail(`--${flag}: cannot create the directory ${full} (${existing} is a file)`);
      writableDirectory(flag, existing, fail);
      continue;
    }
    createDirectories(flag, dirname(full), fail);
    let stats;
    try {
      stats = statSync(full);
    } catch {
      continue; // Not there yet: the writable directory is enough.
    }
    if (!stats.isFile()) throw fail(`--${flag}: ${full} exists and is not a regular file`);
    try {
      accessSync(full, constants.W_OK);
    } catch {
      throw fail(`--${flag}: ${full} is not writable`);
    }
  }
}
