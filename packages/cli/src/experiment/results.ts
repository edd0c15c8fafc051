import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, type EpochRow } from '@bnkit/nn';
import type { ExperimentConfig } from './configs.js';

export const RUN_FORMAT = 'bnkit-experiment-run/1';

/** Everything besides the configuration that decides a run's numbers: a result counts only for the same. */
export interface RunSettings {
  readonly backend: string;
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly trainCount: number;
  readonly testCount: number;
  readonly dataDir: string | null;
}

/** One finished configuration, as its results file holds it. */
export interface RunResult {
  readonly format: typeof RUN_FORMAT;
  readonly config: ExperimentConfig;
  readonly settings: RunSettings;
  readonly history: readonly EpochRow[];
  readonly examplesPerSecond: number;
}

export const resultPath = (dir: string, config: ExperimentConfig): string => join(dir, `${config.id}.json`);

/**
 * The finished result of `config` under `settings`, or null when there is none to reuse: no file, a file
 * from other settings or another version, or one that does not parse (then the configuration is rerun and
 * the file replaced). Only finished runs are ever written, so a run interrupted half-way leaves no file.
 */
export async function finishedResult(dir: string, config: ExperimentConfig, settings: RunSettings): Promise<RunResult | null> {
  let saved: RunResult;
  try {
    saved = JSON.parse(await readFile(resultPath(dir, config), 'utf8')) as RunResult;
  } catch {
    return null;
  }
  const same = saved?.format === RUN_FORMAT && JSON.stringify(saved.config) === JSON.stringify(config) && JSON.stringify(saved.settings) === JSON.stringify(settings);
  return same && Array.isArray(saved.history) && saved.history.length === settings.epochs ? saved : null;
}

/** Writes a finished run atomically (a crash mid-write leaves the old file or none, never half of one). */
export async function saveResult(dir: string, result: RunResult): Promise<void> {
  await writeFileAtomic(resultPath(dir, result.config), new TextEncoder().encode(`${JSON.stringify(result, null, 1)}\n`));
}
