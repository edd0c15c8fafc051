import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeviceInfo } from '@bnkit/core';
import type { CheckDefinition, RunSettings } from '../checks/types.js';
import { ConformanceUsageError } from '../errors.js';
import type { CheckResult } from '../report/types.js';
import { lifecycleFailure } from '../run.js';
import { checkLimitMs } from './limits.js';
import type { ChildMessage, RunRequest } from './protocol.js';

/*
 * Runs the checks of one backend in a child process (child.ts) and owns everything that decides the
 * verdict: which check was running, how long it may take, and what a dead or hung child means. One child
 * runs the whole run; a fault (hang, exit, signal, crash, memory ceiling) fails the check that was running
 * and the next check starts in a fresh child. Nothing the backend does can end this process or skip the
 * report: every selected check gets a result.
 */

export interface SupervisedRun {
  readonly backend: string;
  readonly settings: RunSettings;
  readonly fixtureDirs: readonly string[];
  readonly checks: readonly CheckDefinition[];
  /** Seconds per unit of work (limits.ts). */
  readonly timeoutS: number;
  /** Megabytes of heap and resident memory the child may use. */
  readonly memoryLimitMb: number;
  readonly onCheck?: (result: CheckResult) => void;
}

export interface SupervisedResults {
  /** The backend's name and device as it reported them, when it could be opened at all. */
  readonly identity?: { readonly name: string; readonly device: DeviceInfo };
  readonly results: readonly CheckResult[];
}

type Phase = 'opening' | 'checks' | 'closing';

/** How one child's episode ended. */
type EpisodeEnd =
  | { readonly kind: 'closed'; readonly failure?: string }
  | { readonly kind: 'usage'; readonly message: string; readonly check?: string }
  | { readonly kind: 'broken'; readonly phase: Phase; readonly running?: string; readonly reason: string; readonly sinceMs: number };

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
/**
 * How long the child may take to load the suite itself (its modules and the fixtures) before any backend
 * code runs: not --timeout, which is for the backend, and generous, as a loaded machine slows this down.
 */
const SUITE_STARTUP_MS = 5 * 60_000;
/** How often the child's resident memory is compared with the ceiling. */
const MEMORY_POLL_MS = 200;
/** How long after the child's exit its pipes may take to drain before the exit is judged without them. */
const EXIT_GRACE_MS = 2000;
/** The last bytes of the child's stderr kept to explain a crash (V8's out-of-memory message lands there). */
const STDERR_TAIL = 4096;

/** The child's resident memory in MB (Linux /proc), or undefined where that cannot be read. */
function residentMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1].slice(0, 300) : '';
}

/** Why a child that ended without finishing did so, in words that name what happened. */
function deathReason(code: number | null, signal: NodeJS.Signals | null, stderr: string, memoryLimitMb: number): string {
  if (/JavaScript heap out of memory|Reached heap limit|Allocation failed/.test(stderr)) {
    return `the backend process ran out of memory: its JavaScript heap reached the ceiling of ${memoryLimitMb} MB (--memory-limit)`;
  }
  const last = lastLine(stderr);
  const output = last ? ` (its last output: ${last})` : '';
  if (signal !== null) return `the backend process was killed by ${signal}${output}`;
  return `the backend process exited with code ${code}${code === 0 ? ' (process.exit in backend code)' : ''}${output}`;
}

/** Runs one child until it closes the backend or breaks; results stream into `results` as they arrive. */
function episode(run: SupervisedRun, checks: readonly CheckDefinition[], onOpened: (m: Extract<ChildMessage, { type: 'opened' }>) => void, onDone: (r: CheckResult) => void): Promise<EpisodeEnd> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(CHILD, [], {
      execArgv: [`--max-old-space-size=${run.memoryLimitMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    // What the backend prints goes to our stderr: stdout is the report's.
    child.stdout?.on('data', (b: Buffer) => process.stderr.write(b));
    child.stderr?.on('data', (b: Buffer) => {
      process.stderr.write(b);
      stderr = (stderr + b.toString('utf8')).slice(-STDERR_TAIL);
    });
    let phase: Phase = 'opening';
    let running: string | undefined;
    let since = performance.now();
    let faultReason: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (end: EpisodeEnd) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(poll);
      child.kill('SIGKILL');
      resolve(end);
    };
    const broken = (reason: string) => finish({ kind: 'broken', phase, running, reason, sinceMs: performance.now() - since });
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      since = performance.now();
      timer = setTimeout(() => broken(`timed out: ${what} did not finish within ${ms / 1000} s (--timeout); the backend process was stopped`), ms);
    };
    const unit = run.timeoutS * 1000;
    arm(SUITE_STARTUP_MS, "the suite's own start in the child process");
    const poll = setInterval(() => {
      const mb = child.pid !== undefined ? residentMb(child.pid) : undefined;
      if (mb !== undefined && mb > run.memoryLimitMb) {
        broken(`the backend process used ${mb.toFixed(1)} MB of resident memory, over the ceiling of ${run.memoryLimitMb} MB (--memory-limit); it was stopped`);
      }
    }, MEMORY_POLL_MS);
    child.on('message', (m: ChildMessage) => {
      switch (m.type) {
        case 'ready':
          arm(unit, 'loading and creating the backend');
          break;
        case 'opened':
          phase = 'checks';
          onOpened(m);
          arm(unit, 'the suite between two checks');
          break;
        case 'started': {
          const check = checks.find((c) => c.id === m.id)!;
          running = m.id;
          arm(checkLimitMs(check, run.settings, run.timeoutS), `check ${m.id}`);
          break;
        }
        case 'done':
          running = undefined;
          onDone(m.result);
          arm(unit, 'the suite between two checks');
          break;
        case 'closing':
          phase = 'closing';
          arm(unit, "the backend's close()");
          break;
        case 'closed':
          finish({ kind: 'closed', ...(m.failure !== undefined ? { failure: m.failure } : {}) });
          break;
        case 'usage':
          finish({ kind: 'usage', message: m.message, ...(m.check !== undefined ? { check: m.check } : {}) });
          break;
        case 'open-failed':
          broken(m.reason);
          break;
        case 'fault':
          // The child exits right after; the reason is what the exit means.
          faultReason = m.reason;
          break;
      }
    });
    child.on('error', (e) => broken(`the backend process failed: ${e.message}`));
    // 'close' comes after the child's last messages and output have been read, so a result it sent just
    // before exiting is counted; 'exit' alone can overtake them (a grandchild holding the pipes open would
    // delay 'close' for ever, hence the fallback).
    const died = (code: number | null, signal: NodeJS.Signals | null) => broken(faultReason ?? deathReason(code, signal, stderr, run.memoryLimitMb));
    child.on('close', died);
    child.on('exit', (code, signal) => setTimeout(() => died(code, signal), EXIT_GRACE_MS).unref());
    const request: RunRequest = { type: 'run', backend: run.backend, settings: run.settings, fixtureDirs: run.fixtureDirs, checkIds: checks.map((c) => c.id) };
    child.send(request);
  });
}

function failed(check: CheckDefinition, message: string, durationMs: number): CheckResult {
  return { id: check.id, number: check.number, title: check.title, status: 'fail', message, propertyRuns: 0, durationMs };
}

/**
 * Runs `run.checks` against the backend in child processes and returns a result for every one of them, in
 * order, plus a `backend-lifecycle` FAIL when close() failed. Throws ConformanceUsageError only when the
 * command line itself cannot be run (unknown backend, a --device it refuses) before any check ran.
 */
export async function superviseRun(run: SupervisedRun): Promise<SupervisedResults> {
  const results: CheckResult[] = [];
  let identity: SupervisedResults['identity'];
  let pending = [...run.checks];
  const record = (r: CheckResult) => {
    results.push(r);
    pending = pending.filter((c) => c.id !== r.id);
    run.onCheck?.(r);
  };
  while (pending.length > 0) {
    const end = await episode(run, pending, (m) => (identity ??= { name: m.name, device: m.device }), record);
    if (end.kind === 'closed') {
      if (end.failure !== undefined) results.push(lifecycleFailure(end.failure));
      break;
    }
    if (end.kind === 'usage') {
      // Refused before any check, or by a check (a --path naming none of its inputs): the command line's fault.
      if (results.length === 0 || end.check !== undefined) throw new ConformanceUsageError(end.message);
      // The same command line ran before: now it is the backend that fails to start.
      for (const [i, check] of pending.entries()) record(failed(check, i === 0 ? `the backend could not be opened again: ${end.message}` : 'not run: the backend could not be opened again', 0));
      break;
    }
    if (end.phase === 'closing') {
      results.push(lifecycleFailure(`while closing the backend: ${end.reason}`, end.sinceMs));
      break;
    }
    if (end.phase === 'opening') {
      // A fresh child would fail the same way: the rest of the run cannot be checked.
      const [first, ...rest] = pending;
      record(failed(first, `the backend could not be opened: ${end.reason}`, end.sinceMs));
      for (const check of rest) record(failed(check, `not run: the backend could not be opened (see ${first.id})`, 0));
      break;
    }
    // A check broke the child; the next one starts in a fresh child.
    const check = pending.find((c) => c.id === end.running) ?? pending[0];
    record(failed(check, end.reason, end.sinceMs));
  }
  return { identity, results };
}
