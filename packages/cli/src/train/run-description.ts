import type { RunDescription } from '@bnkit/nn';
import { batchSize, epochs } from '../options/training.js';
import { UsageError } from '../options/usage-error.js';
import { nonEmpty, positiveInteger, positiveNumber, seed } from '../options/values.js';
import { modelName, type TrainOptions } from './args.js';

/*
 * The options that define a bnkit-train run, stored in its checkpoint (the header's `run`), so that
 * `--resume` continues the run without them. A flag given again must agree where the run cannot change
 * (`fixed`: the model, the batch size, the seed, the training subset); the others (more epochs, another
 * learning rate, test subset or data folder) may change, and the flag given wins.
 */

const PROGRAM = 'bnkit-train';

interface RunField {
  readonly flag: string;
  readonly key: 'model' | 'epochs' | 'lr' | 'batchSize' | 'seed' | 'trainPerClass' | 'testPerClass' | 'dataDir';
  /** The flag's parser, so a stored value is checked as the command line's would be. */
  readonly parse: (text: string) => string | number | undefined;
  readonly fixed: boolean;
}

const RUN_FIELDS: readonly RunField[] = [
  { flag: 'model', key: 'model', parse: modelName, fixed: true },
  { flag: 'epochs', key: 'epochs', parse: (t) => epochs(t, 10), fixed: false },
  { flag: 'lr', key: 'lr', parse: (t) => positiveNumber('lr', t), fixed: false },
  { flag: 'batch-size', key: 'batchSize', parse: (t) => batchSize(t, 256), fixed: true },
  { flag: 'seed', key: 'seed', parse: seed, fixed: true },
  { flag: 'train-per-class', key: 'trainPerClass', parse: (t) => positiveInteger('train-per-class', t), fixed: true },
  { flag: 'test-per-class', key: 'testPerClass', parse: (t) => positiveInteger('test-per-class', t), fixed: false },
  { flag: 'data-dir', key: 'dataDir', parse: (t) => nonEmpty('data-dir', t), fixed: false },
];

/** What the checkpoint of a run with these options says about it (absent options as null). */
export function describeRun(options: TrainOptions): RunDescription {
  return Object.fromEntries([['program', PROGRAM], ...RUN_FIELDS.map((f) => [f.flag, options[f.key] ?? null])]);
}

const shown = (v: unknown): string => (v === undefined || v === null ? 'unset' : String(v));

/**
 * The options of a resumed run: each run option not given again comes from the checkpoint's description
 * (checked by the flag's own parser); one given again must agree where the run cannot change. A checkpoint
 * without a bnkit-train description (saved through the API) leaves the options as given.
 */
export function resumedOptions(options: TrainOptions, saved: RunDescription | undefined, path: string): TrainOptions {
  if (saved?.program !== PROGRAM) return options;
  const given = options.given ?? new Set(RUN_FIELDS.map((f) => f.flag));
  const merged: Record<string, unknown> = { ...options };
  for (const f of RUN_FIELDS) {
    const stored = saved[f.flag];
    let value;
    try {
      value = stored === null || stored === undefined ? undefined : f.parse(String(stored));
    } catch (e) {
      throw new UsageError(`--resume: ${path} describes its run with ${f.flag} '${String(stored)}', which is not valid (${(e as Error).message}); start a new run with --overwrite`);
    }
    if (!given.has(f.flag)) {
      merged[f.key] = value;
    } else if (f.fixed && options[f.key] !== value) {
      throw new UsageError(
        `--${f.flag} ${shown(options[f.key])} differs from the run in ${path} (${f.flag} ${shown(value)}); --resume continues that run as it ` +
          `started, so leave --${f.flag} out, or start a new run with --overwrite`,
      );
    }
  }
  return merged as unknown as TrainOptions;
}
