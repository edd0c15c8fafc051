import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TrainingBackend } from '@bnkit/core';
import type { FashionMnist } from '@bnkit/data';
import { epochGeometry, fit as fitModel, lenet, lenetBN } from '@bnkit/nn';
import { describeDevice } from '../train/report.js';
import { loadData } from '../train/run.js';
import { openTrainingBackend } from '../training-backend.js';
import { divergenceWatch } from '../ui/divergence.js';
import type { CommandIo } from '../ui/command.js';
import { ProgressBar } from '../ui/progress.js';
import type { ExperimentOptions } from './args.js';
import { experimentConfigs, type ExperimentConfig } from './configs.js';
import { comparisonCsv, comparisonMarkdown, comparisonSvg, comparisonText } from './report.js';
import { finishedResult, RUN_FORMAT, saveResult, type RunResult, type RunSettings } from './results.js';

/** The signal stops the configuration in progress at the next batch; it is not saved, and a rerun restarts it. */
export type ExperimentIo = CommandIo;

export interface ExperimentOutcome {
  /** Every configuration finished so far, in table order. */
  readonly results: readonly RunResult[];
  readonly stopped: boolean;
}

/** Trains one configuration from its seeded initial weights; null when the signal stopped it. */
async function runConfig(
  backend: TrainingBackend, data: FashionMnist, config: ExperimentConfig, settings: RunSettings, label: string, io: ExperimentIo,
): Promise<RunResult | null> {
  const model = config.model === 'lenet' ? lenet(backend, { seed: settings.seed }) : lenetBN(backend, { seed: settings.seed, ...config.variant });
  const perEpoch = epochGeometry(data.train.count, settings.batchSize).examples;
  // One bar over all epochs of the configuration, so its ETA is the configuration's.
  const bar = new ProgressBar(io.stderr, { total: perEpoch * settings.epochs, label });
  const watchLoss = divergenceWatch(io.stderr, config.lr, config.label);
  try {
    const { history, stopped } = await fitModel(model, data.train, {
      epochs: settings.epochs,
      lr: config.lr,
      batchSize: settings.batchSize,
      seed: settings.seed,
      test: data.test,
      signal: io.signal,
      onBatch: (p) => {
        bar.update((p.epoch - 1) * perEpoch + p.examples);
        watchLoss(p);
      },
    });
    bar.finish();
    if (stopped) return null;
    const seconds = history.reduce((s, r) => s + r.seconds, 0);
    return { format: RUN_FORMAT, config, settings, history, examplesPerSecond: (perEpoch * settings.epochs) / seconds };
  } finally {
    model.dispose();
  }
}

/** Writes results.md, results.csv and comparison.svg for what has finished; returns their paths. */
async function writeReport(out: string, results: readonly RunResult[], title: string): Promise<string[]> {
  const files = [
    [join(out, 'results.md'), `# ${title}\n\n${comparisonMarkdown(results)}\n`],
    [join(out, 'results.csv'), `${comparisonCsv(results)}\n`],
    [join(out, 'comparison.svg'), comparisonSvg(results, title)],
  ] as const;
  for (const [path, text] of files) await writeFile(path, text);
  return files.map(([path]) => path);
}

async function runAll(backend: TrainingBackend, options: ExperimentOptions, io: ExperimentIo): Promise<ExperimentOutcome> {
  io.stdout.write(`device: ${describeDevice(backend.name, backend.device)}\n`);
  const data = await loadData(options, io);
  const settings: RunSettings = {
    backend: backend.name, seed: options.seed, epochs: options.epochs, batchSize: options.batchSize,
    trainCount: data.train.count, testCount: data.test.count, dataDir: options.dataDir ?? null,
  };
  const configs = experimentConfigs(options.lrs, options.ablationLr);
  io.stdout.write(
    `${configs.length} configurations, ${settings.trainCount.toLocaleString('en-US')} training / ${settings.testCount.toLocaleString('en-US')} test images, ` +
      `${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'} each, batch ${settings.batchSize}, seed ${settings.seed}\n`,
  );
  const out = resolve(options.out);
  const runs = join(out, 'runs');
  await mkdir(runs, { recursive: true });

  const results: RunResult[] = [];
  let stopped = false;
  for (const [i, config] of configs.entries()) {
    const label = `[${i + 1}/${configs.length}] ${config.label}`;
    const saved = await finishedResult(runs, config, settings);
    if (saved && !('stale' in saved)) {
      io.stderr.write(`${label}: finished earlier, reusing ${config.id}.json\n`);
      results.push(saved);
      continue;
    }
    if (saved) io.stderr.write(`${label}: ${config.id}.json cannot be reused (${saved.stale}): training again\n`);
    const result = await runConfig(backend, data, config, settings, label, io);
    if (!result) {
      stopped = true;
      io.stderr.write(`interrupted during ${config.id}: it restarts from its first epoch on the next run; finished ones are kept\n`);
      break;
    }
    await saveResult(runs, result);
    results.push(result);
  }

  if (results.length > 0) {
    io.stdout.write(`${comparisonText(results)}\n`);
    const subset = `${settings.trainCount.toLocaleString('en-US')} training images, ${settings.epochs} epochs, batch ${settings.batchSize}`;
    const title = `LeNet vs LeNet-BN on Fashion-MNIST (${subset}, ${backend.name})`;
    for (const path of await writeReport(out, results, title)) io.stdout.write(`wrote ${path}\n`);
  }
  return { results, stopped };
}

/** Loads the backend, runs every configuration not finished yet, reports; the backend is closed whatever happens. */
export async function runExperiment(options: ExperimentOptions, io: ExperimentIo): Promise<ExperimentOutcome> {
  const backend = await openTrainingBackend(options);
  try {
    return await runAll(backend, options, io);
  } finally {
    await backend.close();
  }
}
