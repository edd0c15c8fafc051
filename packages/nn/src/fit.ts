import { InvalidArgumentError, requireTraining } from '@bnkit/core';
import { MIN_TRAINING_BATCH, epochGeometry } from '@bnkit/data/batching';
import { deriveSeed, seedToUint32, shuffledIndices } from '@bnkit/core';
import { restoreCheckpoint } from './checkpoint/checkpoint.js';
import { CheckpointMismatchError } from './checkpoint/errors.js';
import type { Checkpoint, RunDescription } from './checkpoint/format.js';
import type { CheckpointFiles } from './checkpoint/files.js';
import { countCorrect, uploadBatch, validateLabeledImages, type LabeledImages } from './data.js';
import { evaluate } from './evaluate.js';
import { intAtLeast } from './layers/check.js';
import { MomentumSGD, type MomentumTerms } from './momentum-sgd.js';
import type { Optimizer } from './optimizer.js';
import type { Sequential } from './sequential.js';
import { SGD } from './sgd.js';
import { trainBatch } from './train-step.js';
import type { EpochRow, TrainingState } from './training-state.js';

export interface BatchProgress {
  /** 1-based epoch. */
  readonly epoch: number;
  /** 1-based batch within the epoch. */
  readonly batch: number;
  readonly batches: number;
  /** Examples trained on so far in this epoch. */
  readonly examples: number;
  /**
   * Training throughput of this epoch so far: examples trained over `seconds`. Evaluation is not training and
   * is not in it, so at an epoch's last batch this is the epoch's examples over its `EpochRow.seconds`.
   */
  readonly examplesPerSecond: number;
  /** Training seconds of this epoch so far (of its resumed part, when the run resumed mid-epoch). */
  readonly seconds: number;
  /** Estimated seconds to the end of this epoch (evaluation excluded). */
  readonly etaSeconds: number;
  /** This batch's mean loss. */
  readonly loss: number;
}

export interface FitOptions {
  /** Total epochs of the run (a resumed run counts the epochs done before it). */
  readonly epochs: number;
  readonly lr: number;
  /** Momentum, dampening, weight decay, Nesterov (torch.optim.SGD semantics, `MomentumSGD`); default plain SGD. */
  readonly sgd?: MomentumTerms;
  readonly batchSize: number;
  /** Seeds the shuffling: epoch e uses a generator seeded from (seed, e). Model weights are seeded by the preset. */
  readonly seed: number;
  /** Evaluated in eval mode after every epoch. */
  readonly test?: LabeledImages;
  /** Called after every batch; a returned promise is awaited. */
  onBatch?(progress: BatchProgress): void;
  /** Called after every epoch's evaluation; a returned promise is awaited. */
  onEpoch?(row: EpochRow): void;
  /** Checked before every batch; on abort the run stops at the batch boundary (and checkpoints, if configured). */
  readonly signal?: AbortSignal;
  /**
   * Saves the model and the run's position every `every` epochs (default 1), at the end, and on abort;
   * `run` (the program's description of the run) is stored with them as given.
   */
  readonly checkpoint?: { readonly path: string; readonly every?: number; readonly run?: RunDescription };
  /** A checkpoint (or its path) saved by an earlier `fit` of the same run: continue where it stopped. */
  readonly resumeFrom?: string | Checkpoint;
}

export interface FitResult {
  /** Every completed epoch of the run, resumed ones included. */
  readonly history: readonly EpochRow[];
  /** True when the signal stopped the run before `epochs` epochs. */
  readonly stopped: boolean;
  /** The run's position when fit returned (what a checkpoint would hold). */
  readonly state: TrainingState;
}

/** One turn of the event loop: setImmediate in Node (no clamping), a zero timeout in a page. */
const nextTurn = (): Promise<void> =>
  new Promise((resume) => (typeof setImmediate === 'function' ? setImmediate(resume) : setTimeout(resume, 0)));

function freshState(seed: number, batchSize: number, lr: number, trainCount: number): TrainingState {
  return { seed, batchSize, lr, trainCount, epochsCompleted: 0, batchesCompleted: 0, partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 }, history: [] };
}

async function resumedState(model: Sequential, from: string | Checkpoint, run: TrainingState, files: CheckpointFiles): Promise<TrainingState> {
  const source = typeof from === 'string' ? from : '<memory>';
  const checkpoint = typeof from === 'string' ? await files.read(from) : from;
  const saved = checkpoint.training;
  if (!saved) throw new CheckpointMismatchError(source, 'holds a model but no training position, so there is no run to resume');
  for (const key of ['seed', 'batchSize', 'trainCount'] as const) {
    if (saved[key] !== run[key]) {
      throw new CheckpointMismatchError(source, `was saved by a run with ${key} ${saved[key]}, this run has ${key} ${run[key]}; a resume must use the same ${key}`);
    }
  }
  restoreCheckpoint(model, checkpoint, source);
  return { ...saved, lr: run.lr };
}

/**
 * Trains with SGD (plain, or with `sgd`'s momentum / weight decay) and softmax cross-entropy, d2l style:
 * each epoch shuffles the training set (seeded), trains on every batch in training mode, reports the loss
 * and accuracy of those training-mode forward passes, then evaluates the test set in eval mode. Whether it
 * finishes, stops on the signal or throws, fit leaves the model in eval mode (as d2l's loop, whose
 * evaluation calls `net.eval()`), so a later `forward` uses the running statistics and changes nothing;
 * call `model.train()` to train by hand.
 */
export function fit(model: Sequential, train: LabeledImages, options: FitOptions): Promise<FitResult> {
  return fitWithFiles(null, model, train, options);
}

/**
 * `fit` with checkpoint files read and written by `files`; null where there is no file system (a page),
 * which refuses a checkpoint path before training. @bnkit/nn's Node entry passes Node's.
 */
export async function fitWithFiles(files: CheckpointFiles | null, model: Sequential, train: LabeledImages, options: FitOptions): Promise<FitResult> {
  if (!files && (options.checkpoint !== undefined || typeof options.resumeFrom === 'string')) {
    throw new InvalidArgumentError(
      "fit's checkpoint and resumeFrom paths need a file system (Node: import fit from '@bnkit/nn/node'); " +
        'without one, pass resumeFrom a Checkpoint and save checkpointToBytes(model, state) from onEpoch',
    );
  }
  const backend = requireTraining(model.backend);
  validateLabeledImages(train, 'training data');
  if (options.test) validateLabeledImages(options.test, 'test data');
  // Checkpoints hold no momentum buffers, so a resumed run would restart them: refuse rather than drift.
  if (options.sgd?.momentum && options.resumeFrom !== undefined) {
    throw new InvalidArgumentError('fit cannot resume a run with momentum: checkpoints do not hold the momentum buffers');
  }
  const optimizer: Optimizer = options.sgd ? new MomentumSGD(backend, { lr: options.lr, ...options.sgd }) : new SGD(backend, { lr: options.lr });
  try {
    return await runEpochs(model, train, options, optimizer, files);
  } finally {
    optimizer.dispose?.();
  }
}

/** fit's epochs, with the optimizer fit made (and frees whatever happens). */
async function runEpochs(model: Sequential, train: LabeledImages, options: FitOptions, optimizer: Optimizer, files: CheckpointFiles | null): Promise<FitResult> {
  const backend = requireTraining(model.backend);
  const epochs = intAtLeast(options.epochs, 0, 'fit epochs');
  const batchSize = intAtLeast(options.batchSize, MIN_TRAINING_BATCH, 'fit batchSize');
  const seed = seedToUint32(options.seed, 'fit seed');
  const every = intAtLeast(options.checkpoint?.every ?? 1, 1, 'fit checkpoint.every');
  const run = freshState(seed, batchSize, options.lr, train.count);
  let state = options.resumeFrom === undefined ? run : await resumedState(model, options.resumeFrom, run, files as CheckpointFiles);
  const { batches, examples } = epochGeometry(train.count, batchSize);
  if (batches === 0) throw new InvalidArgumentError(`training data has ${train.count} example; training needs at least 2`);
  const save = async (): Promise<void> => {
    if (options.checkpoint) await (files as CheckpointFiles).save(options.checkpoint.path, model, state, options.checkpoint.run);
  };
  model.train();
  try {
    return await trainEpochs();
  } finally {
    model.eval();
  }

  async function trainEpochs(): Promise<FitResult> {
    while (state.epochsCompleted < epochs) {
      const epoch = state.epochsCompleted + 1;
      const order = shuffledIndices(train.count, deriveSeed(seed, epoch));
      const { lossSum, correct, seen, seconds } = state.partial;
      const sums = { lossSum, correct, seen };
      const start = performance.now();
      const elapsed = (): number => seconds + (performance.now() - start) / 1000;
      for (let b = state.batchesCompleted; b < batches; b++) {
        // A backend that computes on this thread settles every promise as a microtask, so without a turn of
        // the event loop here an abort from a signal handler (Ctrl-C) would not be seen until the run ended.
        if (options.signal) await nextTurn();
        if (options.signal?.aborted) {
          await save();
          return { history: state.history, stopped: true, state };
        }
        const batch = uploadBatch(backend, train, order, b * batchSize, Math.min((b + 1) * batchSize, examples));
        let loss: number;
        try {
          const result = await trainBatch(model, batch.x, batch.labels, optimizer);
          loss = result.loss;
          sums.lossSum += loss * batch.size;
          sums.correct += countCorrect(result.predictions, batch.hostLabels);
          sums.seen += batch.size;
        } finally {
          batch.dispose();
        }
        // One reading of the clock for the state and the progress, so the last batch's rate is exactly the
        // epoch's row (examples over seconds); time spent in onBatch itself is not training.
        const now = elapsed();
        state = { ...state, batchesCompleted: b + 1, partial: { ...sums, seconds: now } };
        if (options.onBatch) {
          const trained = Math.max(now - seconds, 1e-9);
          const rate = (sums.seen - seen) / trained;
          await (options.onBatch({
            epoch, batch: b + 1, batches, examples: sums.seen, examplesPerSecond: rate, seconds: trained, etaSeconds: (examples - sums.seen) / rate, loss,
          }) as unknown);
        }
      }
      const trainSeconds = state.partial.seconds;
      const testAcc = options.test ? (await evaluate(model, options.test, { batchSize })).acc : null;
      const row: EpochRow = { epoch, loss: sums.lossSum / sums.seen, trainAcc: sums.correct / sums.seen, testAcc, seconds: trainSeconds };
      state = { ...state, epochsCompleted: epoch, batchesCompleted: 0, partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 }, history: [...state.history, row] };
      await (options.onEpoch?.(row) as unknown);
      if (epoch % every === 0 || epoch === epochs) await save();
    }
    return { history: state.history, stopped: false, state };
  }
}
