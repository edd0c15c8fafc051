import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Nearest ancestor of `start` that is a workspace or repository root, else `start` itself. */
function projectRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) || existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}

/**
 * Where converted data sets are cached: `$BNKIT_CACHE_DIR` when set, else `.cache/bnkit` at the root of
 * the project the process runs in (the nearest folder above the working directory holding
 * pnpm-workspace.yaml or .git), else `.cache/bnkit` in the working directory.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env.BNKIT_CACHE_DIR;
  if (fromEnv) return resolve(cwd, fromEnv);
  return join(projectRoot(cwd), '.cache', 'bnkit');
}
