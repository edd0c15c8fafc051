import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '@bnkit/nn';
import { cliPath, runCli } from './support/run-cli.js';

/*
 * Command lines every bnkit CLI refuses before any work (exit 2, nothing on stdout, nothing written), and the
 * checkpoint rules of pnpm train. A place under a regular file can never be created, whoever runs the test.
 */

const work = mkdtempSync(join(tmpdir(), 'bnkit-refusals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const aFile = join(work, 'a-file.txt');
writeFileSync(aFile, 'not a directory');
const underAFile = join(aFile, 'sub');
const noDevice = fileURLToPath(new URL('./support/no-device-backend.mjs', import.meta.url));
const tiny = ['--train-per-class', '6', '--test-per-class', '2', '--batch-size', '12', '--model', 'lenet-bn'];

describe.each([
  ['train.js', [
    [['--backend='], /--backend needs a value/],
    [['--device=cpu'], /--device is not taken by the ts backend/],
    [['--backend=gpu', '--device=bogus'], /device must be one of auto, webgpu, webasm, cpu, got "bogus"/],
    [['--batch-size=1'], /--batch-size must be an integer from 2 to 1000000 \(BatchNorm cannot train on a batch of one\), got '1'/],
    [['--seed=99999999999999999999'], /--seed must be an integer from -2147483648 to 4294967295 \(a 32-bit seed\), got '99999999999999999999'/],
    [['--threads=0'], /--threads must be an integer from 1 to 256/],
    [['--backend', noDevice, '--device=webgpu'], /no driver for device 'webgpu' on this machine/],
    [['--out', underAFile], /--out: cannot create the directory/],
    [['--out', '/proc/bnkit-test/out'], /--out: the directory \/proc is not writable/],
    [['--checkpoint', join(underAFile, 'run.ckpt')], /--checkpoint: cannot create the directory/],
    [['--checkpoint', '/proc/bnkit-test/run.ckpt'], /--checkpoint: cannot create the directory/],
    [['--export', work], /--export: .* exists and is not a regular file/],
    [['--checkpoint', aFile], /--checkpoint .*a-file.txt exists and is not a bnkit checkpoint; bnkit never replaces it/],
    [['--checkpoint', aFile, '--resume'], /is not a bnkit checkpoint/],
  ]],
  ['experiment.js', [
    [['--backend='], /--backend needs a value/],
    [['--batch-size=1'], /from 2 to/],
    [['--backend', noDevice, '--device=webgpu'], /no driver for device 'webgpu'/],
    [['--out', underAFile], /--out: cannot create the directory/],
  ]],
  ['bench.js', [
    [['--backends='], /--backends needs a value/],
    [['--json='], /--json needs a value/],
    [['--steps=99999999999999999999'], /--steps must be an integer from 1 to 10000/],
    [['--backends=tfjs:bogus'], /unknown tfjs device 'bogus'/],
    [['--backends=gpu:webgpu:x'], /'gpu:webgpu:x' has more than one ':'/],
    [['--backends=ts', '--json', join(underAFile, 'r.json')], /--json: cannot create the directory/],
    [['--backends=ts', '--json', '/proc/bnkit-test/r.json'], /--json: cannot create the directory \/proc\/bnkit-test \(ENOENT\)/],
  ]],
] as const)('%s refuses before any work', (script, cases) => {
  it.each(cases.map(([args, message]) => [args.join(' '), args, message] as const))('%s: exit 2 and says why', async (_, args, message) => {
    const run = await runCli(cliPath(script), args, undefined, work);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

it('a refused run leaves no --out directory behind (it is checked, and created only when written to)', async () => {
  const out = join(work, 'never', 'made');
  const run = await runCli(cliPath('train.js'), ['--backend', 'no-such-backend', '--out', out]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/unknown backend 'no-such-backend'/);
  expect(existsSync(join(work, 'never'))).toBe(false);
});

describe('pnpm train and its checkpoint', () => {
  const train = (args: string[]) => runCli(cliPath('train.js'), [...tiny, '--out', join(work, 'out'), ...args]);

  it('never overwrites an existing checkpoint without --resume or --overwrite, and never a foreign file', async () => {
    const path = join(work, 'run.ckpt');
    const first = await train(['--epochs', '1', '--checkpoint', path]);
    expect(first.code, first.stderr).toBe(0);
    const saved = readFileSync(path);
    const again = await train(['--epochs', '1', '--checkpoint', path]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a checkpoint; pass --resume to continue that run or --overwrite/);
    expect(readFileSync(path).equals(saved)).toBe(true);
    const replaced = await train(['--epochs', '1', '--seed', '5', '--checkpoint', path, '--overwrite']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await readCheckpoint(path)).training?.seed).toBe(5);
    expect(readFileSync(aFile, 'utf8')).toBe('not a directory');
    // A damaged checkpoint is refused up front under --resume, before any backend or data is loaded.
    const damaged = join(work, 'damaged.ckpt');
    writeFileSync(damaged, readFileSync(path).subarray(0, 4000));
    const resumed = await train(['--epochs', '1', '--checkpoint', damaged, '--resume']);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(/--resume: checkpoint .*damaged\.ckpt: SHA-256 checksum mismatch/);
    expect(resumed.stdout).toBe('');
  });

  it('a run whose loss becomes NaN (--lr=1e38) says where, and its checkpoint resumes', async () => {
    const path = join(work, 'diverged.ckpt');
    const first = await train(['--epochs', '1', '--lr', '1e38', '--checkpoint', path]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/the loss became NaN at epoch 1, batch \d+\/5 \(lr 1e\+38\): the run diverged/);
    expect(Number.isNaN((await readCheckpoint(path)).training?.history[0].loss)).toBe(true);
    const resumed = await train(['--epochs', '2', '--lr', '1e38', '--checkpoint', path, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming from ${path}`);
  });

  it('Ctrl-C with --threads=1 stops right after the batch in progress, and the checkpoint holds that position', async () => {
    const path = join(work, 'sigint.ckpt');
    const script = fileURLToPath(new URL('./support/train-sigint.mjs', import.meta.url));
    const run = await runCli(script, [...tiny, '--threads', '1', '--train-per-class', '20', '--batch-size', '10', '--epochs', '2', '--checkpoint', path, '--out', join(work, 'out')]);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('stopping after this batch');
    // The first progress line of epoch 1 names the examples done when SIGINT was sent.
    const examples = Number(/^epoch 1\/2 +\d+% (\d+)\/200 /m.exec(run.stderr)?.[1]);
    expect((await readCheckpoint(path)).training).toMatchObject({ epochsCompleted: 0, batchesCompleted: examples / 10 });
  });
});
