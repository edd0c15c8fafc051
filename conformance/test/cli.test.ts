import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../vitest.config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');

function conformance(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: CHILD_LIMIT_MS });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'bnkit-conformance-'));
}

/** relu on [2, 3]: y = max(x, 0), dx = dy where x > 0. */
function reluCase(id: string, y: number[]) {
  return {
    format: 'bnkit-fixture/1',
    id,
    op: 'relu',
    reference: 'by hand',
    attrs: {},
    inputs: { x: { shape: [2, 3], data: [-1, 2, 0.5, -0.25, 3, 0] }, dy: { shape: [2, 3], data: [1, 1, 2, 3, -1, 5] } },
    expected: { y: { shape: [2, 3], data: y }, dx: { shape: [2, 3], data: [0, 1, 2, 0, -1, 0] } },
    tolerance: { rtol: 1e-6, atol: 1e-7 },
  };
}

const validBatchNorm = () => JSON.parse(readFileSync(join(root, '..', 'fixtures', 'pytorch', 'batchNorm', 'train-nc-5x2.json'), 'utf8'));

describe('bnkit-conformance CLI', () => {
  it('exits non-zero for a broken backend given by path and names the failing check', () => {
    const r = conformance('--backend=test/broken/momentum-flipped.js', '--seed', '5', '--num-runs', '10');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^4\s+momentum\s+FAIL/m);
    expect(r.stdout).toMatch(/replay: bnkit-conformance --backend=test\/broken\/momentum-flipped.js --profile bn --seed 5 --path \S+ --filter momentum/);
    expect(r.stdout).toContain('NOT CONFORMANT');
  });

  it('replays a property failure from the printed --seed and --path', () => {
    const first = conformance('--backend=test/broken/wrong-axis.js', '--seed', '11', '--num-runs', '50', '--filter', 'axis-handling');
    expect(first.code, first.stderr).toBe(1);
    const replay = /replay: bnkit-conformance (.*)$/m.exec(first.stdout)![1].split(' ');
    const again = conformance(...replay);
    expect(again.code, again.stderr).toBe(1);
    const failure = (out: string) => /^2 axis-handling: FAIL — (.*)$/m.exec(out)![1];
    expect(failure(again.stdout)).toBe(failure(first.stdout));
    // The path replays the shrunk input directly: a handful of runs, not a search.
    const runs = (out: string) => Number(/^2\s+axis-handling\s+FAIL\s+(\d+)\s/m.exec(out)![1]);
    expect(runs(again.stdout)).toBeLessThan(5);
    expect(runs(again.stdout)).toBeLessThan(runs(first.stdout));
  });

  it('runs the cases of an extra --fixtures directory, reports them by id, and writes JSON and JUnit', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'relu'));
    writeFileSync(join(dir, 'relu', 'good.json'), JSON.stringify(reluCase('thirdparty/relu-2x3', [0, 2, 0.5, 0, 3, 0])));
    writeFileSync(join(dir, 'relu', 'bad.json'), JSON.stringify([reluCase('thirdparty/relu-2x3-wrong', [0, 2, 0.5, 0, 3, 1])]));
    const json = join(dir, 'out', 'report.json');
    const junit = join(dir, 'out', 'junit.xml');
    const r = conformance('--backend=ts', '--fixtures', dir, '--filter', 'thirdparty/', '--json', json, '--junit', junit);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/thirdparty\/relu-2x3\s+PASS/);
    expect(r.stdout).toMatch(/thirdparty\/relu-2x3-wrong\s+FAIL/);
    expect(r.stdout).toMatch(/fixtures: 2 \(1 passed, 1 failed\)/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.ok).toBe(false);
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual(['golden-fixtures']);
    expect(report.checks[0].cases.find((c: { id: string }) => c.id === 'thirdparty/relu-2x3-wrong').worst.where).toBe('y[5]');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testcase classname="bnkit.conformance.ts.golden-fixtures" name="thirdparty/relu-2x3"');
    expect(xml).toMatch(/failures="1"/);
  });

  it('refuses a --filter that selects nothing (exit 2), and a run whose every check skipped is not CONFORMANT', () => {
    const none = conformance('--backend=ts', '--seed', '1', '--filter', 'no-such-check');
    expect(none.code, none.stdout + none.stderr).toBe(2);
    expect(none.stderr).toMatch(/--filter 'no-such-check' matches no check or fixture; check ids: zero-mean-unit-variance,/);
    // Check 9 compares a backend with the ts reference, so on the reference itself it skips: nothing is checked.
    const skipped = conformance('--backend=ts', '--seed', '1', '--filter', 'backend-agreement');
    expect(skipped.stdout).toMatch(/9 +backend-agreement +SKIP/);
    expect(skipped.stdout).toMatch(/no check passed: this run checked nothing[^\n]*\nNOT CONFORMANT/);
    expect(skipped.code).toBe(1);
  });

  it('refuses a --path that names no input of the check replaying it (exit 2), instead of a verdict', () => {
    const none = conformance('--backend=ts', '--seed', '1', '--path', '0:99', '--filter', 'zero-mean');
    expect(none.code, none.stdout + none.stderr).toBe(2);
    expect(none.stderr).toMatch(/check zero-mean-unit-variance: --path 0:99 names no input of this check: no input ran/);
    const deep = conformance('--backend=ts', '--seed', '1', '--path', '0:1:1:1:1:1:1:1', '--filter', 'zero-mean');
    expect(deep.code, deep.stdout + deep.stderr).toBe(2);
    expect(deep.stderr).toMatch(/--path 0:1:1:1:1:1:1:1 names no input of this check: it has more shrink steps than the input has/);
  });

  it('names the available backends for an unknown one, exit 2', () => {
    const r = conformance('--backend=no-such-backend');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("unknown backend 'no-such-backend'");
    expect(r.stderr).toContain('ts, gpu, tfjs');
  });

  it('names the file and the field of a malformed fixture, exit 2', () => {
    const dir = tmp();
    const bad = validBatchNorm();
    bad.attrs.eps = 0;
    writeFileSync(join(dir, 'eps.json'), JSON.stringify(bad));
    const r = conformance('--backend=ts', '--fixtures', dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(join(dir, 'eps.json'));
    expect(r.stderr).toContain("field '/attrs/eps'");
  });

  it('rejects a tensor whose data does not fill its shape, naming the tensor', () => {
    const dir = tmp();
    const bad = validBatchNorm();
    bad.inputs.x.data.pop();
    writeFileSync(join(dir, 'short.json'), JSON.stringify(bad));
    const r = conformance('--backend=ts', '--fixtures', dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/short\.json: field '\/inputs\/x' data has 9 values but shape \[5, 2\] needs 10/);
  });

  it('rejects unknown options and bad values with the usage, exit 2', () => {
    const unknown = conformance('--backend=ts', '--frobnicate');
    expect(unknown.code, unknown.stderr).toBe(2);
    const r = conformance('--backend=ts', '--profile', 'everything');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--profile must be one of bn, training');
  });

  it('prints help', () => {
    const r = conformance('--help');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('--backend');
    expect(r.stdout).toContain('Exit codes');
  });

  it('prints its version', () => {
    const r = conformance('--version');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^bnkit-conformance \d+\.\d+\.\d+\n$/);
  });
});
