import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../vitest.config.js';
import { MAX_NUM_RUNS, parseCli } from '../dist/cli-options.js';

/* Command lines bnkit-conformance refuses before the suite runs: exit 2, the reason, nothing on stdout. */

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const work = mkdtempSync(join(tmpdir(), 'bnkit-conformance-options-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const aFile = join(work, 'a-file.txt');
writeFileSync(aFile, 'not a directory');

describe('bnkit-conformance refuses a bad command line before any check (exit 2)', () => {
  it.each([
    [['--backend='], /--backend needs a value/],
    [['--backend=ts', '--seed=99999999999999999999'], /--seed must be an integer from -2147483648 to 4294967295, got '99999999999999999999'/],
    [['--backend=ts', '--seed=1.5'], /--seed must be an integer/],
    [['--backend=ts', '--num-runs=99999999999999999999'], new RegExp(`--num-runs must be an integer from 1 to ${MAX_NUM_RUNS}`)],
    [['--backend=ts', `--num-runs=${MAX_NUM_RUNS + 1}`], /--num-runs must be an integer from 1/],
    [['--backend=ts', '--num-runs=0'], /--num-runs must be an integer from 1/],
    [['--backend=ts', '--seed=1', '--path=-1'], /--path must be the fast-check path of a failure/],
    [['--backend=ts', '--seed=1', '--path='], /--path needs a value/],
    [['--backend=ts', '--seed=1', '--path=garbage'], /--path must be the fast-check path of a failure/],
    [['--backend=ts', '--seed=1', '--path=1::2'], /--path must be the fast-check path/],
    [['--backend=ts', '--seed=1', '--path=999999'], /--path starts with run index 999999, but the runs are 0 to 99999/],
    [['--backend=ts', '--seed=1', '--num-runs=10', '--path=10:0'], /run index 10, but the runs are 0 to 9 \(--num-runs\)/],
    [['--backend=ts', '--path=3:1'], /--path needs the --seed it was found with/],
    [['--backend=ts', '--time-budget=0'], /--time-budget must be an integer from 1/],
    [['--backend=ts', '--filter='], /--filter needs a value/],
    [['--backend=ts', '--device=cpu'], /--device is not taken by the ts backend/],
    [['--backend=gpu', '--device=bogus'], /--device bogus: gpu backend: device must be one of auto, webgpu, webasm, cpu/],
    [['--backend=tfjs', '--device=bogus'], /--device bogus: unknown tfjs device "bogus"/],
    [['--backend=ts', '--json', join(aFile, 'report.json')], /--json: .*a-file\.txt is not a directory/],
    // Under /proc a directory can be neither made nor written, even by root (the refusal must not hang either).
    [['--backend=ts', '--json=/proc/bnkit/report.json'], /--json: cannot create the directory \/proc\/bnkit/],
    [['--backend=ts', '--junit', work], /--junit: .* exists and is not a regular file/],
  ])('%j', (args, message) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: CHILD_LIMIT_MS });
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('parseCli', () => {
  it('reads a replay command line as the report prints it', () => {
    expect(parseCli(['--backend=x.js', '--profile', 'bn', '--seed', '4294967295', '--path', '12:0:3', '--filter', 'momentum'])).toEqual({
      help: false,
      options: expect.objectContaining({ backend: 'x.js', profile: 'bn', seed: 4294967295, path: '12:0:3', filter: 'momentum', fixtureDirs: [] }),
    });
    expect(parseCli(['-h'])).toEqual({ help: true });
  });
});
