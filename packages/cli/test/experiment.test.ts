import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperimentArgs } from '../dist/experiment/args.js';
import { experimentConfigs } from '../dist/experiment/configs.js';
import { comparisonCsv, comparisonMarkdown, comparisonSvg } from '../dist/experiment/report.js';
import { RUN_FORMAT, finishedResult, saveResult, type RunResult } from '../dist/experiment/results.js';
import { UsageError } from '../dist/options/usage-error.js';
import { cliPath, optionsOf, runCli, type Run } from './support/run-cli.js';

const EXPERIMENT = cliPath('experiment.js');
const work = mkdtempSync(join(tmpdir(), 'bnkit-experiment-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const experiment = (args: string[], onStderr?: Parameters<typeof runCli>[2]): Promise<Run> => runCli(EXPERIMENT, args, onStderr);

const options = (argv: string[]) => optionsOf(parseExperimentArgs, argv);

describe('pnpm experiment, command line', () => {
  it('--quick picks the small settings; explicit flags override them', () => {
    expect(options(['--quick'])).toMatchObject({ lrs: [0.1, 1], epochs: 3, batchSize: 128, trainPerClass: 250, testPerClass: 100, ablationLr: 1 });
    expect(options(['--quick', '--epochs', '5', '--lrs', '0.5,2'])).toMatchObject({ lrs: [0.5, 2], epochs: 5, trainPerClass: 250 });
    expect(options([])).toMatchObject({ lrs: [0.1, 0.3, 1], epochs: 10, batchSize: 256, trainPerClass: undefined, out: 'out/experiment' });
  });

  it.each([
    [['--lrs', '0.1,x'], /--lrs must be a finite number > 0, got 'x'/],
    [['--lrs', '1,1'], /must not repeat/],
    [['--ablation-lr', '0'], /--ablation-lr must be a finite number > 0, got '0'/],
    [['--batch-size', '1'], /from 2 to 1000000 \(BatchNorm cannot train on a batch of one\)/],
    [['--seed', '1.5'], /--seed must be an integer/],
    [['--seed=99999999999999999999'], /--seed must be an integer from -2147483648 to 4294967295/],
    [['--epochs=1000001'], /--epochs must be an integer from 1 to 1000000/],
    [['--backend='], /--backend needs a value/],
    [['--device=gpu'], /--device is not taken by the ts backend/],
    [['--nope'], /Unknown option '--nope'/],
  ])('%j is a usage error that says what is allowed', (argv, message) => {
    expect(() => parseExperimentArgs(argv)).toThrow(UsageError);
    expect(() => parseExperimentArgs(argv)).toThrow(message);
  });

  it('exits 2 on a bad flag and prints the usage on --help', async () => {
    const bad = await experiment(['--epochs', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--epochs must be an integer from 1 to/);
    const help = await experiment(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: bnkit-experiment [options]');
    const version = await experiment(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^bnkit-experiment \d+\.\d+\.\d+\n$/);
  });
});

describe('the configurations and the report', () => {
  it('sweeps both models over the learning rates, then the four ablations of LeNet-BN', () => {
    const configs = experimentConfigs([0.1, 1], 1);
    expect(configs.map((c) => c.id)).toEqual([
      'lenet-lr0.1', 'lenet-bn-lr0.1', 'lenet-lr1', 'lenet-bn-lr1', 'lenet-bn-bn-conv-lr1', 'lenet-bn-bn-fc-lr1', 'lenet-bn-frozen-lr1', 'lenet-bn-nobias-lr1',
    ]);
    expect(configs.slice(4).map((c) => c.variant)).toEqual([{ bnStages: [1, 2] }, { bnStages: [3, 4] }, { bnAffine: false }, { biasBeforeBn: false }]);
  });

  it('a diverged configuration (NaN loss) is saved and reused with its NaN, not null', async () => {
    const [config] = experimentConfigs([0.5], 1);
    const settings = { backend: 'ts', seed: 0, epochs: 2, batchSize: 8, trainCount: 10, testCount: 10, dataDir: null };
    const history = [{ epoch: 1, loss: Infinity, trainAcc: 0.1, testAcc: 0.1, seconds: 1 }, { epoch: 2, loss: NaN, trainAcc: 0.1, testAcc: null, seconds: 1 }];
    const dir = join(work, 'diverged-runs');
    mkdirSync(dir, { recursive: true });
    await saveResult(dir, { format: RUN_FORMAT, config, settings, examplesPerSecond: 5, history });
    expect(await finishedResult(dir, config, settings)).toEqual({ format: RUN_FORMAT, config, settings, examplesPerSecond: 5, history });
    const file = join(dir, `${config.id}.json`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"NaN"', 'null'));
    expect(await finishedResult(dir, config, settings)).toEqual({ stale: 'its history has a malformed row' });
  });

  it('tables the last epoch and the best test accuracy; one d2l panel per configuration', () => {
    const [a, b] = experimentConfigs([0.5], 1);
    const settings = { backend: 'ts', seed: 0, epochs: 2, batchSize: 8, trainCount: 10, testCount: 10, dataDir: null };
    const results: RunResult[] = [
      { format: RUN_FORMAT, config: a, settings, examplesPerSecond: 100, history: [{ epoch: 1, loss: 2.3, trainAcc: 0.1, testAcc: 0.3, seconds: 1 }, { epoch: 2, loss: 2.2, trainAcc: 0.2, testAcc: 0.25, seconds: 2 }] },
      { format: RUN_FORMAT, config: b, settings, examplesPerSecond: 50, history: [{ epoch: 1, loss: NaN, trainAcc: 0.1, testAcc: 0.1, seconds: 1 }, { epoch: 2, loss: NaN, trainAcc: 0.1, testAcc: 0.1, seconds: 1 }] },
    ];
    const md = comparisonMarkdown(results).split('\n');
    expect(md[2]).toBe('| LeNet, lr 0.5 | 0.5 | 2.2000 | 0.2000 | 0.2500 | 0.3000 | 3.0 | 100 |');
    expect(md[3]).toContain('| NaN |');
    expect(comparisonCsv(results).split('\n')[1]).toBe('"LeNet, lr 0.5",0.5,2.2000,0.2000,0.2500,0.3000,3.0,100');
    const svg = comparisonSvg(results, 'a < b');
    expect(svg.match(/<svg /g)).toHaveLength(3);
    expect(svg).toContain('<svg x="360" y="40" ');
    expect(svg).toContain('a &lt; b');
    expect(svg.match(/data-name="test acc"/g)).toHaveLength(2);
  });
});

describe('pnpm experiment on a tiny subset (ts backend)', () => {
  const out = join(work, 'tiny');
  const args = ['--lrs', '1', '--epochs', '2', '--batch-size', '10', '--train-per-class', '6', '--test-per-class', '3', '--out', out];
  const runsDir = join(out, 'runs');
  const ids = experimentConfigs([1], 1).map((c) => c.id);

  it('an interrupted run keeps the finished configurations; the rerun reuses them and finishes the rest', async () => {
    let sent = false;
    const first = await experiment(args, (text, child) => {
      if (!sent && text.includes('[2/6]')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(first.code).toBe(130);
    const stoppedAt = first.stderr.match(/interrupted during (\S+):/)?.[1];
    expect(ids).toContain(stoppedAt);
    const done = ids.slice(0, ids.indexOf(stoppedAt!));
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(readdirSync(runsDir).sort()).toEqual(done.map((id) => `${id}.json`).sort());

    const second = await experiment(args);
    expect(second.code).toBe(0);
    for (const [i, id] of ids.entries()) expect(second.stderr.includes(`] ${experimentConfigs([1], 1)[i].label}: finished earlier`)).toBe(done.includes(id));
    expect(readdirSync(runsDir).sort()).toEqual(ids.map((id) => `${id}.json`).sort());
    expect(second.stdout).toContain('60 training / 30 test images, 2 epochs each');
    const table = readFileSync(join(out, 'results.md'), 'utf8');
    expect(table.split('\n').filter((l) => l.startsWith('| LeNet'))).toHaveLength(6);
    expect(readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n')).toHaveLength(7);
    expect(readFileSync(join(out, 'comparison.svg'), 'utf8').match(/<svg /g)).toHaveLength(7);
  });

  it('a rerun with the same settings trains nothing; other settings or a damaged file train again', async () => {
    const again = await experiment(args);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/finished earlier/g)).toHaveLength(6);
    const seeded = await experiment([...args, '--seed', '3']);
    expect(seeded.code).toBe(0);
    expect(seeded.stderr).not.toContain('finished earlier');
    expect(seeded.stderr.match(/cannot be reused \(it was run with other settings/g)).toHaveLength(6);
    writeFileSync(join(runsDir, `${ids[0]}.json`), '{ half a file');
    const repaired = await experiment([...args, '--seed', '3']);
    expect(repaired.code).toBe(0);
    expect(repaired.stderr.match(/finished earlier/g)).toHaveLength(5);
    expect(repaired.stderr).toContain(`${ids[0]}.json cannot be reused (the file does not parse)`);
    expect(JSON.parse(readFileSync(join(runsDir, `${ids[0]}.json`), 'utf8'))).toMatchObject({ format: RUN_FORMAT, settings: { seed: 3 } });
  });
});
