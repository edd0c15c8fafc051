import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../vitest.config.js';
import type { ConformanceReport } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');

/** Runs the CLI as CI does (no terminal) on test/slowed-backend.js and returns its JSON report. */
function conformance(env: Record<string, string>, ...args: string[]): ConformanceReport {
  const json = join(mkdtempSync(join(tmpdir(), 'bnkit-repro-')), 'report.json');
  const r = spawnSync(process.execPath, [cli, '--backend=test/slowed-backend.js', '--json', json, ...args], {
    cwd: root, encoding: 'utf8', timeout: CHILD_LIMIT_MS, env: { ...process.env, ...env },
  });
  expect(r.status === 0 || r.status === 1, r.stderr).toBe(true);
  return JSON.parse(readFileSync(json, 'utf8')) as ConformanceReport;
}

/** Everything a verdict consists of: statuses, run counts, counterexamples, worst deviations; no timings. */
function verdict(r: ConformanceReport) {
  return {
    ok: r.ok,
    partial: r.partial,
    checks: r.checks.map((c) => ({ id: c.id, status: c.status, runs: c.propertyRuns, replay: c.replay, worst: c.worst, message: c.message })),
  };
}

describe('a pinned seed pins the verdict', () => {
  it('the default run (no --num-runs) tries every input, however slow the backend', () => {
    const fast = verdict(conformance({ BNKIT_TEST_DELAY_MS: '0' }, '--seed', '7', '--filter', 'momentum'));
    const slow = verdict(conformance({ BNKIT_TEST_DELAY_MS: '3' }, '--seed', '7', '--filter', 'momentum'));
    expect(slow).toEqual(fast);
    expect(fast.partial).toBe(false);
    expect(fast.checks[0].runs).toBe(1000);
  });

  it('a failing backend gives the same counterexample under a slowdown', () => {
    const env = { BNKIT_TEST_BASE: './broken/momentum-flipped.js' };
    const fast = verdict(conformance({ ...env, BNKIT_TEST_DELAY_MS: '0' }, '--seed', '7', '--num-runs', '200', '--filter', 'momentum'));
    const slow = verdict(conformance({ ...env, BNKIT_TEST_DELAY_MS: '3' }, '--seed', '7', '--num-runs', '200', '--filter', 'momentum'));
    expect(fast.ok).toBe(false);
    expect(fast.checks[0].replay?.counterexample).toBeTruthy();
    expect(slow).toEqual(fast);
  });

  it('an explicit --time-budget stops early and marks the verdict partial', () => {
    const r = conformance({ BNKIT_TEST_DELAY_MS: '20' }, '--seed', '7', '--num-runs', '50', '--filter', 'momentum', '--time-budget', '1');
    expect(r.partial).toBe(true);
    expect(r.checks[0].partial).toBe(true);
    expect(r.checks[0].propertyRuns).toBeLessThan(50);
    expect(r.checks[0].message).toMatch(/partial: the time budget of 1 ms ran out after \d+ of 50 inputs/);
  });
});
