import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * @bnkit/conformance/vitest as a backend author uses it: each case writes a test file into a scratch folder
 * inside this package (so `@bnkit/conformance/vitest` resolves as it does for an installed package) and runs
 * vitest on it in a child process, whose exit code and output are the verdict a user would see.
 */
const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const scratch = mkdtempSync(join(here, '.scratch-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const yardstick = join(here, 'yardstick/float32-backend.js');
const momentumFlipped = join(here, 'broken/momentum-flipped.js');

/** Runs `source` as a vitest test file (optionally only the tests whose names match `only`). */
function runTestFile(name: string, source: string, only?: string): { status: number | null; output: string } {
  const dir = join(scratch, name);
  mkdirSync(dir);
  const file = join(dir, 'conformance.test.ts');
  writeFileSync(file, source);
  const args = [vitestBin, 'run', file, '--root', packageDir, '--reporter=verbose', ...(only ? ['-t', only] : [])];
  const run = spawnSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

const suiteFile = (backend: string, options = '') => `import { describeBackend } from '@bnkit/conformance/vitest';
import createBackend from '${backend}';

describeBackend({ name: 'under test', create: createBackend, profile: 'bn', numRuns: 20${options} });
`;

describe('@bnkit/conformance/vitest', () => {
  it('runs the README sample verbatim against the yardstick backend, every fixture and check passing', () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    const sample = /```ts\n(import \{ describeBackend \} from '@bnkit\/conformance\/vitest';[\s\S]*?)```/.exec(readme)?.[1];
    expect(sample, 'the vitest sample in README.md').toBeDefined();
    const { status, output } = runTestFile('readme', sample!.replace("'../dist/index.js'", `'${yardstick}'`));
    expect(status, output).toBe(0);
    expect(output).toMatch(/✓ .*fixtures > batchNorm\/train-nchw-4x3x5x5/);
    expect(output).toMatch(/✓ .*4 momentum/);
    expect(output).toMatch(/✓ .*memory returns to its baseline/);
    expect(output).toMatch(/↓ .*10 lenet-end-to-end.*SKIP — LeNet-BN end to end is off/);
  });

  it('fails a check with its verdict and reason in the message', () => {
    const { status, output } = runTestFile('failing', suiteFile(momentumFlipped), '4 momentum');
    expect(status, output).toBe(1);
    expect(output).toMatch(/momentum: FAIL — out of tolerance: .* at runningVar/);
  });

  it('passes an expected failure only when it fails for the stated reason', () => {
    const expected = runTestFile('expected', suiteFile(momentumFlipped, ", expectedFailures: { momentum: 'at runningVar' }"), '4 momentum');
    expect(expected.status, expected.output).toBe(0);
    const otherReason = runTestFile('other-reason', suiteFile(momentumFlipped, ", expectedFailures: { momentum: 'at runningMean (biased)' }"), '4 momentum');
    expect(otherReason.status, otherReason.output).toBe(1);
    expect(otherReason.output).toMatch(/momentum: FAIL — .*; it was expected to fail, but because 'at runningMean \(biased\)'/);
    const fixed = runTestFile('fixed', suiteFile(yardstick, ", expectedFailures: { momentum: 'at runningVar' }"), '4 momentum');
    expect(fixed.status, fixed.output).toBe(1);
    expect(fixed.output).toMatch(/momentum: PASS; it was expected to fail because 'at runningVar'/);
  });

  it('refuses an expected failure that names neither a check nor a fixture', () => {
    const { status, output } = runTestFile('unknown-id', suiteFile(yardstick, ", expectedFailures: { momentun: 'typo' }"));
    expect(status, output).toBe(1);
    expect(output).toContain("expectedFailures names 'momentun', which is neither a check id nor a fixture id");
  });

  it('runs each case of an extra fixture folder as its own test', () => {
    const fixtures = join(scratch, 'extra-fixtures');
    mkdirSync(join(fixtures, 'relu'), { recursive: true });
    const builtin = JSON.parse(readFileSync(join(packageDir, '../fixtures/pytorch/relu/4x10.json'), 'utf8')) as { id: string };
    writeFileSync(join(fixtures, 'relu', 'copy.json'), JSON.stringify({ ...builtin, id: 'relu/extra-copy' }));
    const { status, output } = runTestFile('extra', suiteFile(yardstick, `, fixtureDirs: [${JSON.stringify(fixtures)}]`), 'fixtures');
    expect(status, output).toBe(0);
    expect(output).toMatch(/✓ .*fixtures > relu\/extra-copy/);
    expect(output).toMatch(/✓ .*fixtures > relu\/4x10/);
  });
});
