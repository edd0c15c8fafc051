import { parseArgs } from 'node:util';

export type ModelName = 'lenet' | 'lenet-bn';
export const MODELS: readonly ModelName[] = ['lenet', 'lenet-bn'];

export interface TrainOptions {
  readonly backend: string;
  readonly device?: string;
  readonly threads?: number;
  readonly epochs: number;
  readonly lr: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly model: ModelName;
  readonly checkpoint?: string;
  readonly resume: boolean;
  /** safetensors file with PyTorch's names to start from. */
  readonly init?: string;
  /** safetensors file with PyTorch's names to write at the end. */
  readonly export?: string;
  readonly dataDir?: string;
  readonly trainPerClass?: number;
  readonly testPerClass?: number;
  readonly out: string;
}

export type ParsedArgs = { readonly help: true } | { readonly help: false; readonly options: TrainOptions };

/** A command line the program cannot run; the CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: pnpm train [options]

Trains LeNet-BN (or LeNet) on Fashion-MNIST with plain SGD, the d2l recipe, on any bnkit backend.

Options:
  --backend NAME         ts (default), gpu, tfjs, a package name or a path to a backend module
  --device NAME          device option passed to the backend (e.g. webgpu, cpu)
  --threads N            worker threads for backends that take them (ts)
  --epochs N             passes over the training set (default 10)
  --lr X                 SGD learning rate (default 1.0)
  --batch-size N         examples per step (default 256)
  --seed N               seeds weights and shuffling (default 0)
  --model NAME           lenet-bn (default) or lenet
  --checkpoint FILE      save the run after every epoch (and on Ctrl-C) to FILE
  --resume               continue from --checkpoint FILE when it exists
  --init FILE            start from the weights in FILE (safetensors, PyTorch state_dict names)
  --export FILE          write the trained weights to FILE (safetensors, PyTorch state_dict names)
  --data-dir DIR         read the official IDX files from DIR instead of the embedded data set
  --train-per-class N    train on the first N images of each class only
  --test-per-class N     test on the first N images of each class only
  --out DIR              where the plot train-<model>.svg goes (default out)
  --help                 show this help

Progress goes to stderr, the per-epoch table and summary to stdout.
Exit status: 0 done, 1 failure, 2 bad command line (an --init file missing or not fitting included),\n130 interrupted (Ctrl-C).`;

/** The flag's positive integer, `fallback` when absent; UsageError otherwise (shared with pnpm experiment). */
export function positiveInteger(flag: string, text: string | undefined, fallback: number): number;
export function positiveInteger(flag: string, text: string | undefined): number | undefined;
export function positiveInteger(flag: string, text: string | undefined, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--${flag} must be a positive integer, got '${text}'`);
  }
  return n;
}

export function nonEmpty(flag: string, text: string | undefined): string | undefined {
  if (text !== undefined && text.trim() === '') throw new UsageError(`--${flag} needs a value`);
  return text;
}

/** Parses and validates the command line; throws UsageError with a message that says what is allowed. */
export function parseTrainArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        backend: { type: 'string' },
        device: { type: 'string' },
        threads: { type: 'string' },
        epochs: { type: 'string' },
        lr: { type: 'string' },
        'batch-size': { type: 'string' },
        seed: { type: 'string' },
        model: { type: 'string' },
        checkpoint: { type: 'string' },
        resume: { type: 'boolean' },
        init: { type: 'string' },
        export: { type: 'string' },
        'data-dir': { type: 'string' },
        'train-per-class': { type: 'string' },
        'test-per-class': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // node:util's messages name the flag ("Unknown option '--foo'", "Option '--epochs <value>' argument missing").
    throw new UsageError(`${(e as Error).message.trimEnd().replace(/\.$/, '')} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) return { help: true };

  const lrText = v.lr;
  const lr = lrText === undefined ? 1.0 : Number(lrText);
  if (lrText !== undefined && (lrText.trim() === '' || !Number.isFinite(lr) || lr <= 0)) {
    throw new UsageError(`--lr must be a finite number > 0, got '${lrText}'`);
  }
  const seedText = v.seed;
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (seedText !== undefined && (!/^\s*-?\d+\s*$/.test(seedText) || !Number.isSafeInteger(seed))) {
    throw new UsageError(`--seed must be an integer, got '${seedText}'`);
  }
  const model = v.model ?? 'lenet-bn';
  if (!MODELS.includes(model as ModelName)) {
    throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got '${model}'`);
  }
  const checkpoint = nonEmpty('checkpoint', v.checkpoint);
  if (v.resume && checkpoint === undefined) throw new UsageError('--resume needs --checkpoint FILE to resume from');
  const init = nonEmpty('init', v.init);
  if (v.resume && init !== undefined) throw new UsageError('--init and --resume both set the starting weights; give one');

  return {
    help: false,
    options: {
      backend: nonEmpty('backend', v.backend) ?? 'ts',
      device: nonEmpty('device', v.device),
      threads: positiveInteger('threads', v.threads),
      epochs: positiveInteger('epochs', v.epochs, 10),
      lr,
      batchSize: positiveInteger('batch-size', v['batch-size'], 256),
      seed,
      model: model as ModelName,
      checkpoint,
      resume: v.resume ?? false,
      init,
      export: nonEmpty('export', v.export),
      dataDir: nonEmpty('data-dir', v['data-dir']),
      trainPerClass: positiveInteger('train-per-class', v['train-per-class']),
      testPerClass: positiveInteger('test-per-class', v['test-per-class']),
      out: nonEmpty('out', v.out) ?? 'out',
    },
  };
}
