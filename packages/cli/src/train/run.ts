import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { TrainingBackend } from '@bnkit/core';
import { loadFashionMnist, takePerClass, type FashionMnist } from '@bnkit/data';
import {
  epochGeometry, fit as fitModel, lenet, lenetBN, loadPyTorchWeights, savePyTorchWeights, type BatchNorm, type BatchProgress, type EpochRow, type Sequential,
} from '@bnkit/nn';
import { divergenceWatch } from '../ui/divergence.js';
import { formatCount, formatDuration, formatRate } from '../ui/format.js';
import { trainingPlotSvg } from '../ui/plot.js';
import { openTrainingBackend } from '../training-backend.js';
import type { CommandIo } from '../ui/command.js';
import { ProgressBar } from '../ui/progress.js';
import { tableHeader, tableRow } from '../ui/table.js';
import type { TrainOptions } from './args.js';
import { describeRun } from './run-description.js';
import { describeDevice, formatVector, shortDevice } from './report.js';

/** The signal stops the run at the next batch boundary (Ctrl-C); fit checkpoints before returning. */
export type TrainIo = CommandIo;

export interface TrainOutcome {
  readonly history: readonly EpochRow[];
  /** True when the signal stopped the run early. */
  readonly stopped: boolean;
  /** Where the plot was written; null when no epoch completed. */
  readonly plotPath: string | null;
}

const MODEL_TITLES = { 'lenet-bn': 'LeNet-BN', lenet: 'LeNet' } as const;

/** Fashion-MNIST with the subset flags applied, showing the one-time cache conversion (shared with pnpm experiment). */
export async function loadData(options: Pick<TrainOptions, 'dataDir' | 'trainPerClass' | 'testPerClass'>, io: Pick<TrainIo, 'stderr'>): Promise<FashionMnist> {
  const conversion: { bar?: ProgressBar } = {};
  const started = performance.now();
  const data = await loadFashionMnist({
    dataDir: options.dataDir,
    onProgress: (p) => {
      // Created at the first file read, which then sets the baseline of the rate.
      conversion.bar ??= new ProgressBar(io.stderr, { total: p.total, startAt: p.done, label: 'converting Fashion-MNIST into the cache (once)', unit: 'files' });
      conversion.bar.update(p.done);
    },
  });
  if (conversion.bar) {
    conversion.bar.finish();
    io.stderr.write(`Fashion-MNIST cache built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  return {
    train: options.trainPerClass ? takePerClass(data.train, options.trainPerClass) : data.train,
    test: options.testPerClass ? takePerClass(data.test, options.testPerClass) : data.test,
  };
}

/** Examples fit trains on per epoch: it drops a single leftover example (BatchNorm cannot train on a batch of one). */
async function printFirstBatchNorm(model: Sequential, io: TrainIo): Promise<void> {
  const bn = model.layers().find(([name]) => name === 'bn1');
  if (!bn) {
    io.stdout.write('no BatchNorm layer in this model\n');
    return;
  }
  const layer = bn[1] as BatchNorm;
  io.stdout.write(`bn1 gamma ${formatVector(await layer.gamma.read())}\n`);
  io.stdout.write(`bn1 beta  ${formatVector(await layer.beta.read())}\n`);
}

/**
 * The progress bar of each epoch (stderr), the table row at its end (stdout), and the batch where the loss
 * diverged. Throughput is one figure everywhere: training examples per second of training time, as fit
 * measures it (`BatchProgress.seconds`); the bar ends at the epoch's last batch and the evaluation after it
 * is shown, and timed, on its own line. The bar's ETA is the epoch's; `run ETA` adds the epochs left, each
 * at this epoch's rate plus the last evaluation's time.
 */
function epochReporter(io: TrainIo, total: number, testCount: number, options: TrainOptions) {
  const current: { epoch?: number; bar?: ProgressBar } = {};
  let headerShown = false;
  let evaluation: { started: number; seconds?: number } | undefined;
  const watchLoss = divergenceWatch(io.stderr, options.lr);
  const close = (): void => {
    current.bar?.finish();
    current.bar = undefined;
  };
  const runEta = (p: BatchProgress): string => {
    const epochsAfter = options.epochs - p.epoch;
    const evaluations = testCount > 0 ? (evaluation?.seconds ?? 0) * (epochsAfter + 1) : 0;
    return `run ETA ${formatDuration(p.etaSeconds + (epochsAfter * total) / p.examplesPerSecond + evaluations)}`;
  };
  return {
    onBatch(p: BatchProgress): void {
      if (current.epoch !== p.epoch || !current.bar) {
        // Created at the epoch's first reported batch; every batch before it is a full one (a resumed epoch
        // rates only the work since the resume, as fit does).
        current.epoch = p.epoch;
        current.bar = new ProgressBar(io.stderr, { total, label: `epoch ${p.epoch}/${options.epochs}`, startAt: (p.batch - 1) * options.batchSize });
      }
      current.bar.update(p.examples, { elapsed: p.seconds, note: p.epoch < options.epochs ? runEta(p) : undefined });
      watchLoss(p);
      if (p.batch === p.batches) {
        close();
        if (testCount > 0) {
          io.stderr.write(`evaluating on ${formatCount(testCount)} test images…\n`);
          evaluation = { started: performance.now() };
        }
      }
    },
    onEpoch(row: EpochRow): void {
      close();
      if (evaluation) {
        evaluation.seconds = (performance.now() - evaluation.started) / 1000;
        io.stderr.write(`evaluated in ${evaluation.seconds.toFixed(1)} s\n`);
      }
      if (!headerShown) io.stdout.write(`${tableHeader()}\n`);
      headerShown = true;
      io.stdout.write(`${tableRow(row)}\n`);
    },
    close,
  };
}

/** The d2l summary lines, the best test epoch (final test accuracy swings at lr 1.0) and the plot; returns its path. */
async function summarise(history: readonly EpochRow[], examplesPerEpoch: number, backend: TrainingBackend, options: TrainOptions, io: TrainIo): Promise<string> {
  const last = history[history.length - 1];
  const testText = last.testAcc === null ? '' : `, test acc ${last.testAcc.toFixed(3)}`;
  io.stdout.write(`loss ${last.loss.toFixed(3)}, train acc ${last.trainAcc.toFixed(3)}${testText}\n`);
  const tested = history.flatMap((r) => (r.testAcc === null ? [] : [{ epoch: r.epoch, acc: r.testAcc }]));
  if (tested.length > 1) {
    const best = tested.reduce((a, b) => (b.acc > a.acc ? b : a));
    io.stdout.write(`best test acc ${best.acc.toFixed(3)} (epoch ${best.epoch})\n`);
  }
  const seconds = history.reduce((s, r) => s + r.seconds, 0);
  io.stdout.write(`${formatRate((examplesPerEpoch * history.length) / seconds, 'examples')} on ${shortDevice(backend.name, backend.device)}\n`);
  await mkdir(options.out, { recursive: true });
  const plotPath = resolve(options.out, `train-${options.model}.svg`);
  const title = `${MODEL_TITLES[options.model]} on Fashion-MNIST (${backend.name}, ${backend.device.kind}${subsetNote(options)})`;
  await writeFile(plotPath, trainingPlotSvg(history, { title }));
  io.stdout.write(`plot: ${plotPath}\n`);
  return plotPath;
}

/** What the plot title adds when only part of Fashion-MNIST was used, so a plot is never taken for a full run. */
export function subsetNote(options: Pick<TrainOptions, 'trainPerClass' | 'testPerClass'>): string {
  const parts = [
    options.trainPerClass !== undefined ? `${options.trainPerClass.toLocaleString('en-US')} training` : '',
    options.testPerClass !== undefined ? `${options.testPerClass.toLocaleString('en-US')} test` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `; subset: ${parts.join(' and ')} images per class` : '';
}

async function trainOn(backend: TrainingBackend, data: FashionMnist, model: Sequential, options: TrainOptions, io: TrainIo): Promise<TrainOutcome> {
  io.stdout.write(`device: ${describeDevice(backend.name, backend.device)}\n`);
  const { train, test } = data;
  io.stdout.write(
    `model ${MODEL_TITLES[options.model]}, ${train.count.toLocaleString('en-US')} training / ${test.count.toLocaleString('en-US')} test images, ` +
      `${options.epochs} epoch${options.epochs === 1 ? '' : 's'}, lr ${options.lr}, batch ${options.batchSize}, seed ${options.seed}` +
      `${options.init ? `, weights from ${options.init}` : ''}\n`,
  );
  io.stdout.write(`${(await model.summary(train.shape)).text}\n`);

  const resumeFrom = options.resume && options.checkpoint && existsSync(options.checkpoint) ? options.checkpoint : undefined;
  if (options.resume && !resumeFrom) io.stderr.write(`no checkpoint at ${options.checkpoint} yet: starting a new run\n`);
  if (resumeFrom) io.stderr.write(`resuming from ${resumeFrom}\n`);

  const total = epochGeometry(train.count, options.batchSize).examples;
  const reporter = epochReporter(io, total, test.count, options);
  const result = await fitModel(model, train, {
    epochs: options.epochs,
    lr: options.lr,
    batchSize: options.batchSize,
    seed: options.seed,
    test,
    onBatch: reporter.onBatch,
    onEpoch: reporter.onEpoch,
    signal: io.signal,
    checkpoint: options.checkpoint ? { path: options.checkpoint, run: describeRun(options) } : undefined,
    resumeFrom,
  });
  reporter.close();
  if (result.stopped) {
    io.stderr.write(options.checkpoint ? `interrupted: checkpoint saved to ${options.checkpoint}\n` : 'interrupted (no --checkpoint given, nothing saved)\n');
  }

  const plotPath = result.history.length > 0 ? await summarise(result.history, total, backend, options, io) : null;
  await printFirstBatchNorm(model, io);
  if (options.export) {
    await savePyTorchWeights(options.export, model);
    io.stdout.write(`weights: ${resolve(options.export)} (safetensors, PyTorch state_dict names)\n`);
  }
  return { history: result.history, stopped: result.stopped, plotPath };
}

/** Loads the backend and the data, trains, reports; the backend is closed whatever happens. */
export async function runTraining(options: TrainOptions, io: TrainIo): Promise<TrainOutcome> {
  const backend = await openTrainingBackend(options);
  try {
    // All before any output, so a bad --init file or a bad --data-dir fails with nothing else printed.
    const model = (options.model === 'lenet-bn' ? lenetBN : lenet)(backend, { seed: options.seed });
    if (options.init) await loadPyTorchWeights(options.init, model);
    const data = await loadData(options, io);
    return await trainOn(backend, data, model, options, io);
  } finally {
    await backend.close();
  }
}
