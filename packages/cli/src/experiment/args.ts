import { TRAINING_FLAGS, backendChoice, batchSize, dataChoice, epochs, type BackendChoice, type DataChoice } from '../options/training.js';
import { UsageError } from '../options/usage-error.js';
import { nonEmpty, positiveNumber, readFlags, seed } from '../options/values.js';

export interface ExperimentOptions extends BackendChoice, DataChoice {
  readonly lrs: readonly number[];
  readonly ablationLr: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly out: string;
}

export type ParsedExperimentArgs = { readonly help: true } | { readonly help: false; readonly options: ExperimentOptions };

/** The full comparison, and the quick one: 2,500 training / 1,000 test images, 3 epochs, two learning rates. */
const FULL = { lrs: [0.1, 0.3, 1.0], epochs: 10, batchSize: 256 } as const;
const QUICK = { lrs: [0.1, 1.0], epochs: 3, batchSize: 128, trainPerClass: 250, testPerClass: 100 } as const;

export const EXPERIMENT_USAGE = `Usage: bnkit-experiment [options]   (in the bnkit repository: pnpm experiment [options])

The seed's experiments in one command: LeNet vs LeNet-BN at each learning rate, then LeNet-BN with BN in
the conv or the fc layers only, with gamma/beta frozen at 1/0, and without the bias before BN (at the
ablation learning rate). Writes one table and one comparison plot. Seeded and resumable: each finished
configuration is saved to <out>/runs/<id>.json, and a rerun with the same settings skips it.

Options:
  --quick                ${QUICK.trainPerClass * 10} training / ${QUICK.testPerClass * 10} test images, ${QUICK.epochs} epochs, lr ${QUICK.lrs.join(',')}, batch ${QUICK.batchSize} (minutes on 2 cores)
  --lrs LIST             comma-separated learning rates of the LeNet / LeNet-BN sweep (default ${FULL.lrs.join(',')})
  --ablation-lr X        learning rate of the ablations (default 1)
  --epochs N             epochs per configuration (default ${FULL.epochs})
  --batch-size N         examples per step, at least 2 (default ${FULL.batchSize})
  --seed N               seeds weights and shuffling, the same for every configuration, -2^31 to 2^32-1
                         (default 0)
  --train-per-class N    train on the first N images of each class only (default all)
  --test-per-class N     test on the first N images of each class only (default all)
  --data-dir DIR         read the official IDX files from DIR instead of the embedded data set
  --backend NAME         ts (default), gpu, tfjs, a package name or a path to a backend module
  --device NAME          device of the backend: gpu auto|webgpu|webasm|cpu, tfjs auto|tensorflow|webgpu|wasm|cpu
                         (ts runs on the CPU and refuses --device)
  --threads N            worker threads for backends that take them (ts), 1 to 256
  --out DIR              where runs/, results.md, results.csv and comparison.svg go (default out/experiment;
                         checked writable before any work)
  --help                 show this help
  --version              print the version of @bnkit/cli

Explicit flags override --quick's values. Progress goes to stderr, the table to stdout.

Exit status:
  0    done
  1    failure during the run (a backend or I/O error; the message says which)
  2    bad command line: a bad flag value, an --out that cannot be written, an unknown backend or device,
       a device that cannot start here, a data folder missing its files
  130  interrupted (Ctrl-C; rerun with the same flags to continue)`;

function learningRates(text: string | undefined, fallback: readonly number[]): readonly number[] {
  if (text === undefined) return fallback;
  const lrs = text.split(',').map((t) => positiveNumber('lrs', t));
  if (new Set(lrs).size !== lrs.length) throw new UsageError(`--lrs must not repeat a learning rate, got '${text}'`);
  return lrs;
}

/** Parses and validates the command line; throws UsageError with a message that says what is allowed. */
export function parseExperimentArgs(argv: readonly string[]): ParsedExperimentArgs {
  const v = readFlags(argv, {
    ...TRAINING_FLAGS,
    quick: { type: 'boolean' },
    lrs: { type: 'string' },
    'ablation-lr': { type: 'string' },
  });
  if (v.help) return { help: true };
  const preset = v.quick ? QUICK : FULL;
  return {
    help: false,
    options: {
      ...backendChoice(v),
      ...dataChoice(v, v.quick ? QUICK : {}),
      lrs: learningRates(v.lrs, preset.lrs),
      ablationLr: v['ablation-lr'] === undefined ? 1 : positiveNumber('ablation-lr', v['ablation-lr']),
      epochs: epochs(v.epochs, preset.epochs),
      batchSize: batchSize(v['batch-size'], preset.batchSize),
      seed: seed(v.seed),
      out: nonEmpty('out', v.out) ?? 'out/experiment',
    },
  };
}
