import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeEpochRow, encodeEpochRow, writeFileAtomic, type EpochRow } from '@bnkit/nn';
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

/** A results file that cannot be reused, and why (it is trained again and replaced). */
export interface StaleResult {
  readonly stale: string;
}

/**
 * The finished result of `config` under `settings`: the saved run, null when there is no file, or why the
 * file there cannot be reused (other settings, another version, damaged). Only finished runs are ever
 * written, so a run interrupted half-way leaves no file.
 */
export async function finishedResult(dir: string, config: ExperimentConfig, settings: RunSettings): Promise<RunResult | StaleResult | null> {
  let text: string;
  try {
    text = await readFile(resultPath(dir, config), 'utf8');
  } catch {
    return null;
  }
  let saved: RunResult;
  try {
    saved = JSON.parse(text) as RunResult;
  } catch {
    return { stale: 'the file does not parse' };
  }
  if (saved?.format !== RUN_FORMAT) return { stale: `its format is not ${RUN_FORMAT}` };
  if (JSON.stringify(saved.config) !== JSON.stringify(config)) return { stale: 'it holds another configuration' };
  if (JSON.stringify(saved.settings) !== JSON.stringify(settings)) return { stale: `it was run with other settings (${JSON.stringify(saved.settings)})` };
  if (!Array.isArray(saved.history) || saved.history.length !== settings.epochs) return { stale: 'its history is incomplete' };
  // Rows as saveResult wrote them: a diverged configuration's NaN loss comes back as NaN, not null.
  const history = (saved.history as unknown[]).map(decodeEpochRow);
  if (!history.every((r): r is EpochRow => r !== undefined)) return { stale: 'its history has a malformed row' };
  return { ...saved, history };
}

/**
 * Writes a finished run atomically (a crash mid-write leaves the old file or none, never half of one); a
 * loss that is not finite is written as "NaN" / "Infinity" / "-Infinity", as in checkpoints.
 */
export async function saveResult(dir: string, result: RunResult): Promise<void> {
  const json = { ...result, history: result.history.map(encodeEpochRow) };
  await writeFileAtomic(resultPath(dir, result.config), new TextEncoder().encode(`${JSON.stringify(json, null, 1)}\n`));
}
