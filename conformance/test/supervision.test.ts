import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The CLI against backends that attack the process running them (test/broken/misbehaving.js, one fault per
 * BNKIT_FAULT): each fault must be a FAIL of the check that was running (or of the lifecycle row for
 * close()), named in the table, the JSON and the JUnit report, with exit 1 and a run that ends within its
 * limits. One cheap check (--filter zero-mean) keeps each run to a few seconds.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
/** Seconds per unit of work given to the CLI: small, so a hang costs this much, yet far above a working check here. */
const TIMEOUT_S = 8;
/** The CLI's own bound with these limits: opening, one check, close, plus process starts; with a wide margin. */
const RUN_BOUND_MS = 8 * TIMEOUT_S * 1000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly report: { ok: boolean; checks: { id: string; status: string; message?: string }[] } | undefined;
  readonly junit: string | undefined;
}

function conformance(fault: string | undefined, ...args: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bnkit-supervision-'));
  const json = join(dir, 'report.json');
  const junit = join(dir, 'junit.xml');
  const env = { ...process.env, BNKIT_FAULT: fault ?? '' };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cli, '--backend=test/broken/misbehaving.js', '--seed', '1', '--num-runs', '5', '--filter', 'zero-mean', '--timeout', String(TIMEOUT_S), '--memory-limit', '400', '--json', json, '--junit', junit, ...args],
      { cwd: root, env },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const guard = setTimeout(() => child.kill('SIGKILL'), RUN_BOUND_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({
        code,
        stdout,
        stderr,
        report: existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : undefined,
        junit: existsSync(junit) ? readFileSync(junit, 'utf8') : undefined,
      });
    });
  });
}

/** fault → the check that must fail and what its message must say. */
const FAULTS: readonly [fault: string, check: string, reason: RegExp][] = [
  ['kernel-stall', 'zero-mean-unit-variance', /timed out: check zero-mean-unit-variance did not finish within 8 s \(--timeout\)/],
  ['kernel-busy', 'zero-mean-unit-variance', /timed out: check zero-mean-unit-variance did not finish/],
  ['read-never', 'zero-mean-unit-variance', /timed out: check zero-mean-unit-variance did not finish/],
  ['factory-never', 'zero-mean-unit-variance', /the backend could not be opened: timed out: loading and creating the backend did not finish/],
  ['close-never', 'backend-lifecycle', /while closing the backend: timed out: the backend's close\(\) did not finish/],
  ['import-exit0', 'zero-mean-unit-variance', /the backend could not be opened: the backend process exited with code 0 \(process.exit in backend code\)/],
  ['kernel-exit0', 'zero-mean-unit-variance', /the backend process exited with code 0/],
  ['kernel-exit1', 'zero-mean-unit-variance', /the backend process exited with code 1/],
  ['kernel-exitcode0', 'zero-mean-unit-variance', /out of tolerance/],
  ['close-exitcode0', 'zero-mean-unit-variance', /out of tolerance/],
  ['kernel-sigkill', 'zero-mean-unit-variance', /the backend process was killed by SIGKILL/],
  ['kernel-heap', 'zero-mean-unit-variance', /memory.*ceiling of 400 MB \(--memory-limit\)/],
  ['kernel-unhandled', 'zero-mean-unit-variance', /backend code raised an unhandled promise rejection: Error: planted fault kernel-unhandled/],
  ['kernel-uncaught', 'zero-mean-unit-variance', /backend code raised an uncaught exception: Error: planted fault kernel-uncaught/],
  ['factory-throw', 'zero-mean-unit-variance', /the backend could not be opened: creating the backend failed: Error: planted fault factory-throw/],
  ['close-throw', 'backend-lifecycle', /close\(\) threw Error: planted fault close-throw/],
  ['device-throw', 'zero-mean-unit-variance', /reading the backend's name and device failed: Error: planted fault device-throw/],
  ['close-missing', 'backend-lifecycle', /the backend has no close\(\) method/],
  ['kernel-leak', 'zero-mean-unit-variance', /resource hygiene: \+50 live tensors and \+800 bytes after the check than before it/],
  ['memory-throw', 'zero-mean-unit-variance', /resource hygiene: before the check, memory\(\) threw Error: planted fault memory-throw/],
];

describe('the CLI supervises the backend under test', () => {
  it('passes the same backend without a fault (the control)', { timeout: RUN_BOUND_MS + 10_000 }, async () => {
    const r = await conformance(undefined);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.report?.ok).toBe(true);
  });

  for (const [fault, check, reason] of FAULTS) {
    it(`${fault}: FAIL of ${check}, exit 1, reports written`, { timeout: RUN_BOUND_MS + 10_000 }, async () => {
      const started = performance.now();
      const r = await conformance(fault);
      expect(performance.now() - started, 'the run ended within its bound').toBeLessThan(RUN_BOUND_MS);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain('NOT CONFORMANT');
      const failed = r.report?.checks.find((c) => c.id === check);
      expect(failed?.status, JSON.stringify(r.report?.checks)).toBe('fail');
      expect(failed?.message).toMatch(reason);
      expect(r.report?.ok).toBe(false);
      expect(r.junit).toContain(`name="${check === 'backend-lifecycle' ? '14' : '1'} ${check}"`);
      expect(r.junit).toMatch(/<failure message="[^"]+" type="FAIL">/);
    });
  }

  it('after a fault in one check, runs the next check in a fresh process', { timeout: RUN_BOUND_MS + 10_000 }, async () => {
    // The kernel dies in check 4 (momentum); check 8 runs the momentum fixtures with the same kernel, so it
    // dies too, in its own process (the later --filter replaces the earlier one).
    const r = await conformance('kernel-sigkill', '--filter', 'momentum');
    expect(r.report?.checks.map((c) => `${c.id}:${c.status}`)).toEqual(['momentum:fail', 'golden-fixtures:fail']);
    for (const c of r.report?.checks ?? []) expect(c.message).toMatch(/killed by SIGKILL/);
    expect(r.code).toBe(1);
  });

  it('refuses a --timeout or --memory-limit out of range before any work (exit 2)', async () => {
    for (const bad of [['--timeout', '0'], ['--timeout', '1.5'], ['--memory-limit', '10']]) {
      const r = await conformance(undefined, ...bad);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${bad[0]} must be an integer from`));
      expect(r.report).toBeUndefined();
    }
  });
});
