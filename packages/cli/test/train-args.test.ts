import { describe, expect, it } from 'vitest';
import { UsageError } from '../dist/options/usage-error.js';
import { USAGE, parseTrainArgs } from '../dist/train/args.js';
import { optionsOf } from './support/run-cli.js';

const options = (argv: string[]) => optionsOf(parseTrainArgs, argv);

describe('parseTrainArgs', () => {
  it('fills the d2l recipe as defaults', () => {
    expect(options([])).toEqual({
      backend: 'ts', device: undefined, threads: undefined, epochs: 10, lr: 1, batchSize: 256, seed: 0,
      model: 'lenet-bn', checkpoint: undefined, resume: false, overwrite: false, dataDir: undefined, trainPerClass: undefined,
      testPerClass: undefined, out: 'out', given: new Set(),
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(options([
      '--backend=gpu', '--device', 'webgpu', '--threads', '2', '--epochs', '3', '--lr=0.5', '--batch-size', '64',
      '--seed=-7', '--model', 'lenet', '--checkpoint', 'run.ckpt', '--resume', '--data-dir', 'fm',
      '--train-per-class', '20', '--test-per-class=5', '--out', 'plots',
    ])).toEqual({
      backend: 'gpu', device: 'webgpu', threads: 2, epochs: 3, lr: 0.5, batchSize: 64, seed: -7, model: 'lenet',
      checkpoint: 'run.ckpt', resume: true, overwrite: false, dataDir: 'fm', trainPerClass: 20, testPerClass: 5, out: 'plots',
      init: undefined, export: undefined,
      given: new Set(['backend', 'device', 'threads', 'epochs', 'lr', 'batch-size', 'seed', 'model', 'checkpoint', 'resume', 'data-dir', 'train-per-class', 'test-per-class', 'out']),
    });
  });

  it('reads --init and --export', () => {
    expect(options(['--init', 'in.safetensors', '--export=out.safetensors'])).toMatchObject({ init: 'in.safetensors', export: 'out.safetensors' });
  });

  it('recognises --help and -h', () => {
    expect(parseTrainArgs(['--help'])).toEqual({ help: true });
    expect(parseTrainArgs(['-h', '--epochs', '0'])).toEqual({ help: true });
    for (const flag of ['--backend', '--epochs', '--lr', '--batch-size', '--checkpoint', '--resume', '--train-per-class', '--out']) {
      expect(USAGE).toContain(flag);
    }
  });

  it.each([
    [['--epochs', '0'], "--epochs must be an integer from 1 to 1000000, got '0'"],
    [['--epochs', '2.5'], "--epochs must be an integer from 1 to 1000000, got '2.5'"],
    [['--epochs', 'ten'], "--epochs must be an integer from 1 to 1000000, got 'ten'"],
    [['--epochs', ' 3'], "--epochs must be an integer from 1 to 1000000, got ' 3'"],
    [['--batch-size', '-1'], '--batch-size'],
    [['--batch-size=0'], "--batch-size must be an integer from 2 to 1000000 (BatchNorm cannot train on a batch of one), got '0'"],
    [['--batch-size=1'], '(BatchNorm cannot train on a batch of one)'],
    [['--train-per-class', '1e3'], "--train-per-class must be an integer from 1 to 1000000000, got '1e3'"],
    [['--threads=0'], "--threads must be an integer from 1 to 256, got '0'"],
    [['--threads=100000'], "--threads must be an integer from 1 to 256, got '100000'"],
    [['--device=cpu'], "--device is not taken by the ts backend (it runs on the CPU; --threads sets its worker threads), got 'cpu'"],
    [['--backend=gpu', '--device='], '--device needs a value'],
    [['--seed=99999999999999999999'], "--seed must be an integer from -2147483648 to 4294967295 (a 32-bit seed), got '99999999999999999999'"],
    [['--seed=4294967296'], "got '4294967296'"],
    [['--lr', '0'], "--lr must be a finite number > 0, got '0'"],
    [['--lr', 'abc'], "--lr must be a finite number > 0, got 'abc'"],
    [['--lr=Infinity'], '--lr must be a finite number > 0'],
    [['--seed', '1.5'], "--seed must be an integer from -2147483648 to 4294967295 (a 32-bit seed), got '1.5'"],
    [['--overwrite'], '--overwrite needs --checkpoint FILE'],
    [['--checkpoint=c', '--resume', '--overwrite'], '--resume continues the checkpoint and --overwrite replaces it; give one'],
    [['--checkpoint='], '--checkpoint needs a value'],
    [['--model', 'resnet'], "--model must be one of lenet, lenet-bn, got 'resnet'"],
    [['--resume'], '--resume needs --checkpoint FILE'],
    [['--checkpoint', 'c', '--resume', '--init', 'w.safetensors'], '--init and --resume both set the starting weights; give one'],
    [['--export='], '--export needs a value'],
    [['--backend='], '--backend needs a value'],
    [['--epochs'], "'--epochs"],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
    [['extra'], "'extra'"],
  ])('rejects %j with a UsageError that says what is allowed', (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(UsageError);
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });
});
