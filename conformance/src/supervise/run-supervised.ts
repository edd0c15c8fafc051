import { CHECKS } from '../checks/index.js';
import { loadFixtureDirs } from '../fixtures/load.js';
import type { ConformanceReport } from '../report/types.js';
import { buildReport, fixtureDirsOf, resolveSettings, selectChecks, type ConformanceOptions } from '../run.js';
import { DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_S } from './limits.js';
import { superviseRun } from './supervisor.js';

/** runConformance's options; the checks are always the suite's own (the child finds them by id). */
export interface SupervisedOptions extends Omit<ConformanceOptions, 'backend' | 'checks'> {
  /** What `loadBackend` accepts: 'ts' | 'gpu' | 'tfjs', a package name, a file path (the child imports it). */
  readonly backend: string;
  /** Seconds per unit of work before a check counts as hung (default DEFAULT_TIMEOUT_S). */
  readonly timeoutS?: number;
  /** Heap and resident-memory ceiling of the backend's process in MB (default DEFAULT_MEMORY_LIMIT_MB). */
  readonly memoryLimitMb?: number;
}

/**
 * runConformance with the backend in a child process: the same checks and report, but a backend that
 * hangs, exits, crashes or exhausts memory fails the check that was running instead of taking this process
 * with it. Options and fixtures are checked here first (exit-2 errors), before any child starts.
 */
export async function runConformanceSupervised(options: SupervisedOptions): Promise<ConformanceReport> {
  const settings = resolveSettings(options);
  const startedAt = new Date();
  const started = performance.now();
  const fixtureDirs = fixtureDirsOf(options);
  const checks = selectChecks(CHECKS, settings, loadFixtureDirs(fixtureDirs));
  const { identity, results } = await superviseRun({
    backend: options.backend,
    settings,
    fixtureDirs,
    checks,
    timeoutS: options.timeoutS ?? DEFAULT_TIMEOUT_S,
    memoryLimitMb: options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB,
    onCheck: options.onCheck,
  });
  return buildReport(
    {
      spec: options.backend,
      name: identity?.name ?? options.backend,
      device: identity?.device ?? { kind: 'unknown', name: 'not opened', description: 'the backend could not be opened' },
      settings,
      fixtureDirs,
      startedAt,
      durationMs: performance.now() - started,
    },
    results,
  );
}
