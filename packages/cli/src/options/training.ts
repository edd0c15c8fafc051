import { UsageError } from './usage-error.js';
import { integer, nonEmpty, positiveInteger } from './values.js';

/*
 * The flags pnpm train and pnpm experiment share, parsed in one place: which backend trains, on what data,
 * with what batch size. Each command adds its own flags and usage text.
 */

export const TRAINING_FLAGS = {
  backend: { type: 'string' },
  device: { type: 'string' },
  threads: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  'data-dir': { type: 'string' },
  'train-per-class': { type: 'string' },
  'test-per-class': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = { readonly [K in Exclude<keyof typeof TRAINING_FLAGS, 'help'>]?: string };

export interface BackendChoice {
  /** 'ts', 'gpu', 'tfjs', a package name or a path to a backend module. */
  readonly backend: string;
  readonly device?: string;
  readonly threads?: number;
}

export interface DataChoice {
  readonly dataDir?: string;
  readonly trainPerClass?: number;
  readonly testPerClass?: number;
}

/** More worker threads than this is a typo, not a machine: each one is a Node worker with its own heap. */
const MAX_THREADS = 256;

export function backendChoice(v: Flags): BackendChoice {
  const backend = nonEmpty('backend', v.backend) ?? 'ts';
  const device = nonEmpty('device', v.device);
  // The ts backend has one device, the CPU; silently ignoring --device would let a typo pass for a choice.
  if (backend === 'ts' && device !== undefined) {
    throw new UsageError(`--device is not taken by the ts backend (it runs on the CPU; --threads sets its worker threads), got '${device}'`);
  }
  const threads = v.threads === undefined ? undefined : integer('threads', v.threads, { min: 1, max: MAX_THREADS });
  return { backend, ...(device !== undefined ? { device } : {}), ...(threads !== undefined ? { threads } : {}) };
}

export function dataChoice(v: Flags, defaults: { readonly trainPerClass?: number; readonly testPerClass?: number } = {}): DataChoice {
  return {
    dataDir: nonEmpty('data-dir', v['data-dir']),
    trainPerClass: positiveInteger('train-per-class', v['train-per-class']) ?? defaults.trainPerClass,
    testPerClass: positiveInteger('test-per-class', v['test-per-class']) ?? defaults.testPerClass,
  };
}

/** Examples per step: at least 2, since training-mode BatchNorm cannot learn from a batch of one. */
export function batchSize(text: string | undefined, fallback: number): number {
  return positiveInteger('batch-size', text, fallback, { min: 2, max: 1_000_000, why: 'BatchNorm cannot train on a batch of one' });
}

/** Epochs of a run; a million is far beyond any run the CLIs are for, and bounds a typo's cost. */
export function epochs(text: string | undefined, fallback: number): number {
  return positiveInteger('epochs', text, fallback, { min: 1, max: 1_000_000 });
}
