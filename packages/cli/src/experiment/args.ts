import { parseArgs } from 'node:util';
import { UsageError, nonEmpty, positiveInteger } from '../train/args.js';

export interface ExperimentOptions {
  readonly backend: string;
  readonly device?: string;
  readonly threads?: number;
  readonly lrs: readonly number[];
  readonly ablationLr: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly dataDir?: string;
  readonly trainPerClass?: number;
  readonly testPerClass?: number;
  readonly out: string;
}

export type ParsedExperimentArgs = { readonly help: true } | { readonly help: false; readonly options: ExperimentOptions };

/** The full comparison, and the quick one: 2,500 training / 1,000 test images, 3 epochs, two learning rates. */
const FULL = { lrs: [0.1, 0.3, 1.0], epochs: 10, batchSize: 256 } as const;
const QUICK = { lrs: [0.1, 1.0], epochs: 3, batchSize: 128, trainPerClass: 250, testPerClass: 100 } as const;

export const EXPERIMENT_USAGE = `Usage: pnpm experiment [options]

The seed's experiments in one command: LeNet vs LeNet-BN at each learning rate, then LeNet-BN with BN in
the conv or the fc layers only, with gamma/beta frozen at 1/0, and without the bias before BN (at the
ablation learning rate). Writes one table and one comparison plot. Seeded and resumable: each finished
configuration is saved to <out>/runs/<id>.json, and a rerun with the same settings skips it.

Options:
  --quick                ${QUICK.trainPerClass * 10} training / ${QUICK.testPerClass * 10} test images, ${QUICK.epochs} epochs, lr ${QUICK.lrs.join(',')}, batch ${QUICK.batchSize} (minutes on 2 cores)
  --lrs LIST             comma-separated learning rates of the LeNet / LeNet-BN sweep (default ${FULL.lrs.join(',')})
  --ablation-lr X        learning rate of the ablations (default 1)
  --epochs N             epochs per configuration (default ${FULL.epochs})
  --batch-size N         examples per step (default ${FULL.batchSize})
  --seed N               seeds weights and shuffling, the same for every configuration (default 0)
  --train-per-class N    train on the first N images of each class only (default all)
  --test-per-class N     test on the first N images of each class only (default all)
  --data-dir DIR         read the official IDX files from DIR instead of the embedded data set
  --backend NAME         ts (default), gpu, tfjs, a package name or a path to a backend module
  --device NAME          device option passed to the backend
  --threads N            worker threads for backends that take them (ts)
  --out DIR              where runs/, results.md, results.csv and comparison.svg go (default out/experiment)
  --help                 show this help

Explicit flags override --quick's values. Progress goes to stderr, the table to stdout.
Exit status: 0 done, 1 failure, 2 bad command line, 130 interrupted (rerun to continue).`;

function number(flag: string, text: string, positive: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (positive && v <= 0)) throw new UsageError(`--${flag} must be a finite number > 0, got '${text}'`);
  return v;
}

function learningRates(text: string | undefined, fallback: readonly number[]): readonly number[] {
  if (text === undefined) return fallback;
  const lrs = text.split(',').map((t) => number('lrs', t, true));
  if (new Set(lrs).size !== lrs.length) throw new UsageError(`--lrs must not repeat a learning rate, got '${text}'`);
  return lrs;
}

/** Parses and validates the command line; throws UsageError with a message that says what is allowed. */
export function parseExperimentArgs(argv: readonly string[]): ParsedExperimentArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        lrs: { type: 'string' },
        'ablation-lr': { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        seed: { type: 'string' },
        'train-per-class': { type: 'string' },
        'test-per-class': { type: 'string' },
        'data-dir': { type: 'string' },
        backend: { type: 'string' },
        device: { type: 'string' },
        threads: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.trimEnd().replace(/\.$/, '')} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  const preset = v.quick ? QUICK : FULL;
  const seedText = v.seed;
  if (seedText !== undefined && (!/^\s*-?\d+\s*$/.test(seedText) || !Number.isSafeInteger(Number(seedText)))) throw new UsageError(`--seed must be an integer, got '${seedText}'`);
  const batchSize = positiveInteger('batch-size', v['batch-size'], preset.batchSize);
  if (batchSize < 2) throw new UsageError('--batch-size must be at least 2 (BatchNorm cannot train on one example)');
  return {
    help: false,
    options: {
      backend: nonEmpty('backend', v.backend) ?? 'ts',
      device: nonEmpty('device', v.device),
      threads: positiveInteger('threads', v.threads),
      lrs: learningRates(v.lrs, preset.lrs),
      ablationLr: v['ablation-lr'] === undefined ? 1 : number('ablation-lr', v['ablation-lr'], true),
      epochs: positiveInteger('epochs', v.epochs, preset.epochs),
      batchSize,
      seed: seedText === undefined ? 0 : Number(seedText),
      dataDir: nonEmpty('data-dir', v['data-dir']),
      trainPerClass: positiveInteger('train-per-class', v['train-per-class']) ?? (v.quick ? QUICK.trainPerClass : undefined),
      testPerClass: positiveInteger('test-per-class', v['test-per-class']) ?? (v.quick ? QUICK.testPerClass : undefined),
      out: nonEmpty('out', v.out) ?? 'out/experiment',
    },
  };
}
