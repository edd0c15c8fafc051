import { TRAINING_FLAGS, backendChoice, batchSize, dataChoice, epochs, type BackendChoice, type DataChoice } from '../options/training.js';
import { UsageError } from '../options/usage-error.js';
import { nonEmpty, positiveNumber, readFlags, seed } from '../options/values.js';

export type ModelName = 'lenet' | 'lenet-bn';
export const MODELS: readonly ModelName[] = ['lenet', 'lenet-bn'];

export interface TrainOptions extends BackendChoice, DataChoice {
  readonly epochs: number;
  readonly lr: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly model: ModelName;
  readonly checkpoint?: string;
  readonly resume: boolean;
  /** Replace an existing checkpoint at --checkpoint with a new run. */
  readonly overwrite: boolean;
  /** safetensors file with PyTorch's names to start from. */
  readonly init?: string;
  /** safetensors file with PyTorch's names to write at the end. */
  readonly export?: string;
  readonly out: string;
  /** The flags the command line gave (so --resume knows which run options to take from the checkpoint); all, when absent. */
  readonly given?: ReadonlySet<string>;
}

/** The --model value, refused unless it names a model bnkit-train builds. */
export function modelName(text: string): ModelName {
  if (!MODELS.includes(text as ModelName)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got '${text}'`);
  return text as ModelName;
}

export type ParsedArgs = { readonly help: true } | { readonly help: false; readonly options: TrainOptions };

export const USAGE = `Usage: bnkit-train [options]   (in the bnkit repository: pnpm train [options])

Trains LeNet-BN (or LeNet) on Fashion-MNIST with plain SGD, the d2l recipe, on any bnkit backend.

Options:
  --backend NAME         ts (default), gpu, tfjs, a package name or a path to a backend module
  --device NAME          device of the backend: gpu auto|webgpu|webasm|cpu, tfjs auto|tensorflow|webgpu|wasm|cpu
                         (ts runs on the CPU and refuses --device)
  --threads N            worker threads for backends that take them (ts), 1 to 256
  --epochs N             passes over the training set (default 10)
  --lr X                 SGD learning rate, a finite number > 0 (default 1.0)
  --batch-size N         examples per step, at least 2 (default 256)
  --seed N               seeds weights and shuffling, -2^31 to 2^32-1 (default 0)
  --model NAME           lenet-bn (default) or lenet
  --checkpoint FILE      save the run after every epoch (and on Ctrl-C) to FILE
  --resume               continue the run in --checkpoint FILE when it exists: its model, epochs, lr, batch
                         size, seed, subsets and data folder come from the checkpoint; --epochs, --lr,
                         --test-per-class and --data-dir may change them, the others must agree
  --overwrite            replace the checkpoint at --checkpoint FILE with a new run (never a file that is
                         not a bnkit checkpoint)
  --init FILE            start from the weights in FILE (safetensors, PyTorch state_dict names)
  --export FILE          write the trained weights to FILE (safetensors, PyTorch state_dict names)
  --data-dir DIR         read the official IDX files from DIR instead of the embedded data set
  --train-per-class N    train on the first N images of each class only
  --test-per-class N     test on the first N images of each class only
  --out DIR              where the plot train-<model>.svg goes (default out)
  --help                 show this help
  --version              print the version of @bnkit/cli

Every option, and every place written to (--out, --checkpoint, --export), is checked before any work;
the directories of --checkpoint and --export are created then. Progress goes to stderr, the per-epoch table and summary to stdout.

Exit status:
  0    done
  1    failure during the run (a backend or I/O error; the message says which)
  2    bad command line: a bad flag value, an output that cannot be written, an unknown backend or device,
       a device that cannot start here, a data folder missing its files, an --init file missing or not
       fitting, a --checkpoint that exists without --resume/--overwrite, is not a bnkit checkpoint, or
       cannot be resumed
  130  interrupted (Ctrl-C; with --checkpoint the run is saved and --resume continues it)`;

/** Parses and validates the command line; throws UsageError with a message that says what is allowed. */
export function parseTrainArgs(argv: readonly string[]): ParsedArgs {
  const v = readFlags(argv, {
    ...TRAINING_FLAGS,
    lr: { type: 'string' },
    model: { type: 'string' },
    checkpoint: { type: 'string' },
    resume: { type: 'boolean' },
    overwrite: { type: 'boolean' },
    init: { type: 'string' },
    export: { type: 'string' },
  });
  if (v.help) return { help: true };

  const model = modelName(v.model ?? 'lenet-bn');
  const checkpoint = nonEmpty('checkpoint', v.checkpoint);
  if (v.resume && checkpoint === undefined) throw new UsageError('--resume needs --checkpoint FILE to resume from');
  if (v.overwrite && checkpoint === undefined) throw new UsageError('--overwrite needs --checkpoint FILE to replace');
  if (v.resume && v.overwrite) throw new UsageError('--resume continues the checkpoint and --overwrite replaces it; give one');
  const init = nonEmpty('init', v.init);
  if (v.resume && init !== undefined) throw new UsageError('--init and --resume both set the starting weights; give one');

  return {
    help: false,
    options: {
      ...backendChoice(v),
      ...dataChoice(v),
      epochs: epochs(v.epochs, 10),
      lr: v.lr === undefined ? 1.0 : positiveNumber('lr', v.lr),
      batchSize: batchSize(v['batch-size'], 256),
      seed: seed(v.seed),
      model,
      checkpoint,
      resume: v.resume ?? false,
      overwrite: v.overwrite ?? false,
      init,
      export: nonEmpty('export', v.export),
      out: nonEmpty('out', v.out) ?? 'out',
      given: new Set(Object.keys(v)),
    },
  };
}
