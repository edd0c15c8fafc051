import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '@bnkit/nn';
import { cliPath, runCli, type Run } from './support/run-cli.js';

const TRAIN = cliPath('train.js');
const work = mkdtempSync(join(tmpdir(), 'bnkit-train-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const train = (args: string[], onStderr?: Parameters<typeof runCli>[2]): Promise<Run> => runCli(TRAIN, args, onStderr);

const tableRows = (stdout: string): string[][] =>
  stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\.\d{4}\s/.test(l)).map((l) => l.trim().split(/\s+/));
const plotPoints = (svg: string, series: string): number =>
  (svg.match(new RegExp(`data-name="${series}"[^>]*>([\\s\\S]*?)</g>`))?.[1].match(/<circle/g) ?? []).length;

describe('pnpm train, command line errors', () => {
  it.each([
    [['--epochs', '0'], /--epochs must be an integer from 1 to 1000000, got '0'/],
    [['--model', 'vgg'], /--model must be one of lenet, lenet-bn/],
    [['--nope'], /Unknown option '--nope'/],
    [['--backend', 'no-such-backend', '--epochs', '1'], /unknown backend 'no-such-backend'.*ts, gpu, tfjs/],
    [['--data-dir', join(tmpdir(), 'bnkit-no-such-dir'), '--epochs', '1'], /missing data file train-images-idx3-ubyte.*t10k-labels-idx1-ubyte/],
    [['--init', join(work, 'no-such.safetensors')], /no-such.safetensors: no such file/],
    [['--init', TRAIN], /not a valid safetensors file: header length \d+ exceeds/],
  ])('%j exits with status 2 and says why', async (args, message) => {
    const run = await train(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await train(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: bnkit-train [options]');
  });

  it('--version prints the bin and the version of @bnkit/cli', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const run = await train(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`bnkit-train ${version}\n`);
  });
});

describe('pnpm train on a small subset (ts backend)', () => {
  it('trains, prints the device, a progress log, the table, the plot and bn1', async () => {
    const out = join(work, 'plots');
    const run = await train(['--train-per-class', '20', '--test-per-class', '10', '--epochs', '2', '--batch-size', '50', '--out', out]);
    expect(run.stderr).not.toContain('\r'); // stderr is a pipe: progress lines, no redraws
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^device: ts on cpu \(/);
    expect(run.stdout).toContain('200 training / 100 test images');
    expect(run.stderr).toMatch(/epoch 1\/2 100% 200\/200 [\d,.]+ ex\/s in \d+:\d\d/);
    const rows = tableRows(run.stdout);
    expect(rows.map((r) => r[0])).toEqual(['1', '2']);
    for (const [, loss, trainAcc, testAcc] of rows) {
      expect(Number(loss)).toBeGreaterThan(0);
      for (const acc of [trainAcc, testAcc]) expect(Number(acc)).toBeGreaterThanOrEqual(0);
      // 100 test images: an accuracy is a multiple of 0.01
      expect(Math.round(Number(testAcc) * 100) / 100).toBe(Number(testAcc));
    }
    expect(run.stdout).toMatch(/[\d,.]+ examples\/s on ts \(cpu, /);
    const best = Math.max(...rows.map((r) => Number(r[3])));
    expect(run.stdout).toContain(`best test acc ${best.toFixed(3)} (epoch ${rows.find((r) => Number(r[3]) === best)![0]})`);
    const svg = readFileSync(join(out, 'train-lenet-bn.svg'), 'utf8');
    for (const series of ['train loss', 'train acc', 'test acc']) expect(plotPoints(svg, series)).toBe(2);
    expect(svg).toContain('subset: 20 training and 10 test images per class');
    const gamma = run.stdout.match(/bn1 gamma \[([^\]]+)\]/)?.[1].split(', ').map(Number);
    const beta = run.stdout.match(/bn1 beta +\[([^\]]+)\]/)?.[1].split(', ').map(Number);
    expect(gamma).toHaveLength(6);
    expect(beta).toHaveLength(6);
    // two epochs of SGD at lr 1 move gamma off its initial 1 and beta off 0
    expect(gamma!.some((g) => g !== 1)).toBe(true);
    expect(beta!.some((b) => b !== 0)).toBe(true);
  });

  it('Ctrl-C saves a checkpoint and exits 130; --resume finishes the run', async () => {
    const checkpoint = join(work, 'run.ckpt');
    const out = join(work, 'resume');
    const common = ['--model', 'lenet', '--train-per-class', '100', '--test-per-class', '5', '--batch-size', '20', '--checkpoint', checkpoint, '--out', out];
    let sent = false;
    const stopped = await train([...common, '--epochs', '2'], (text, child) => {
      if (!sent && /epoch 1\/2 +\d+%/.test(text)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(stopped.stderr).toContain('stopping after this batch');
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain(`checkpoint saved to ${checkpoint}`);
    expect(existsSync(checkpoint)).toBe(true);
    expect(tableRows(stopped.stdout)).toEqual([]);

    const resumed = await train([...common, '--epochs', '2', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resuming from ${checkpoint}`);
    expect(tableRows(resumed.stdout).map((r) => r[0])).toEqual(['1', '2']);
    expect(resumed.stdout).toContain('no BatchNorm layer in this model');
    expect(plotPoints(readFileSync(join(out, 'train-lenet.svg'), 'utf8'), 'test acc')).toBe(2);

    // A flag that would make it another run is refused against the checkpoint's own description of it.
    const otherSeed = await train(['--checkpoint', checkpoint, '--resume', '--seed', '7', '--out', out]);
    expect(otherSeed.code).toBe(2);
    expect(otherSeed.stderr).toMatch(/--seed 7 differs from the run in .*run\.ckpt \(seed 0\); --resume continues that run as it started/);

    // Resuming a finished run with more epochs continues from epoch 3, its other options read from the
    // checkpoint (the model, subsets and batch size are not given again); the plot holds the whole history.
    const longer = await train(['--checkpoint', checkpoint, '--resume', '--epochs', '3', '--out', out]);
    expect(longer.code, longer.stderr).toBe(0);
    expect(longer.stdout).toContain('model LeNet, 1,000 training / 50 test images, 3 epochs, lr 1, batch 20, seed 0');
    expect(tableRows(longer.stdout).map((r) => r[0])).toEqual(['3']);
    expect(plotPoints(readFileSync(join(out, 'train-lenet.svg'), 'utf8'), 'train loss')).toBe(3);
  });
});

describe('pnpm train --export / --init (PyTorch state_dict names in safetensors)', () => {
  it('prints the summary, exports the weights, and starts a later run from them', async () => {
    const weights = join(work, 'w.safetensors');
    const common = ['--train-per-class', '20', '--test-per-class', '5', '--epochs', '1', '--batch-size', '50', '--out', join(work, 'w')];
    const first = await train([...common, '--export', weights]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('total: 44,878 parameters (trainable) + 452 buffer values (running statistics) = 45,330 values');
    expect(first.stdout).toContain(`weights: ${weights} (safetensors, PyTorch state_dict names)`);
    const names = [...decodeSafetensors(readFileSync(weights), weights).tensors.keys()];
    expect(names.slice(0, 7)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    // A tiny learning rate barely moves the loaded weights: bn1's gamma starts where the first run ended.
    const second = await train([...common, '--lr', '1e-12', '--init', weights, '--model', 'lenet-bn']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`weights from ${weights}`);
    const gamma = (run: Run): string | undefined => run.stdout.match(/bn1 gamma (\[[^\]]+\])/)?.[1];
    expect(gamma(second)).toBe(gamma(first));
    // A LeNet file does not fit LeNet-BN: a bad command line, nothing printed on stdout.
    const plainWeights = join(work, 'plain.safetensors');
    expect((await train([...common, '--model', 'lenet', '--export', plainWeights])).code).toBe(0);
    const misfit = await train([...common, '--init', plainWeights]);
    expect(misfit.code).toBe(2);
    expect(misfit.stderr).toMatch(/does not fit the model as PyTorch names it \(missing 1.weight/);
    expect(misfit.stdout).toBe('');
  });
});
