/*
 * What the campaign's areas share to turn what happened into an outcome: a bounded spawn of a CLI and the
 * reading of its exit, and the reading of a thrown error as typed (refused) or raw (crash). Every area
 * judges by these rules, so "refused" means the same thing everywhere.
 */
import { spawn } from 'node:child_process';

/** Text of an error for a detail line: its name, code and first line, never its stack. */
export function describeError(e) {
  if (!(e instanceof Error)) return `threw ${typeof e} ${String(e).split('\n')[0]}`;
  const code = e.code === undefined ? '' : ` (${String(e.code)})`;
  return `${e.name}${code}: ${e.message.split('\n')[0]}`;
}

/**
 * A thrown error as an outcome: `refused` when it is one of the typed errors the API documents (its `code`
 * among `codes`, and an instance of bnkit's error classes where `classes` are given), else `crash` (a raw
 * TypeError, RangeError, a Node system error from deep inside, or a typed error of an unexpected kind).
 */
export function outcomeOfError(e, { codes, classes = [] }) {
  const detail = describeError(e);
  const typed = e instanceof Error && codes.includes(e.code) && (classes.length === 0 || classes.some((c) => e instanceof c));
  return { outcome: typed ? 'refused' : 'crash', detail };
}

/**
 * Runs `call` (sync or async) expecting it to refuse with a typed error; `accepted` when it returns. A
 * malformed input that is accepted is a finding; a benign one is expected to be.
 */
export async function refusalOf(call, expected) {
  try {
    await call();
  } catch (e) {
    return outcomeOfError(e, expected);
  }
  return { outcome: 'accepted', detail: 'the call returned' };
}

/**
 * Spawns `node file args` in `cwd` and waits at most `timeoutMs` (then kills its process group). Resolves
 * `{ code, signal, timedOut, stdout, stderr, ms }`; never rejects.
 */
export function spawnBounded(file, args, { cwd, timeoutMs, env = {} }) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], {
      cwd,
      env: { ...process.env, CI: '1', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout also ends the workers and servers it started.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    // Enough to read the message; a run that floods output is not buffered whole.
    const keep = (text, chunk) => (text.length > 65_536 ? text : text + chunk);
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout = keep(stdout, c)));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr = keep(stderr, c)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    const done = (code, signal, error) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr: error ? `${stderr}${error.message}` : stderr, ms: Date.now() - started });
    };
    child.on('error', (e) => done(null, null, e));
    child.on('close', (code, signal) => done(code, signal, undefined));
  });
}

/** The first non-empty line of a text, shortened for a detail line. */
export function firstLine(text) {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** A stack trace printed by a CLI: the sign of an error that escaped to the top instead of a message. */
const STACK_FRAME = /^\s+at .+[:(].*\d+:\d+\)?$/m;

/**
 * The outcome of a CLI run given a command line that must be refused as a usage error: exit `usageCode`
 * with a message and no stack trace is `refused`; a timeout is `hang` (the line started work); exit 3, a
 * signal, or a stack trace is `crash`; any other exit (0 done, 1 failed during the run) is `accepted`, the
 * line having been taken as valid.
 */
export function outcomeOfExit(r, { usageCode = 2, crashCodes = [3] } = {}) {
  const said = firstLine(r.stderr) || firstLine(r.stdout);
  if (r.timedOut) return { outcome: 'hang', detail: `still running after ${r.ms} ms: ${said}` };
  if (r.signal) return { outcome: 'crash', detail: `killed by ${r.signal}: ${said}` };
  if (crashCodes.includes(r.code) || STACK_FRAME.test(r.stderr)) return { outcome: 'crash', detail: `exit ${r.code}: ${said}` };
  if (r.code === usageCode) {
    return said === '' ? { outcome: 'crash', detail: `exit ${r.code} without a message` } : { outcome: 'refused', detail: `exit ${r.code}: ${said}` };
  }
  return { outcome: 'accepted', detail: `exit ${r.code}: ${said}` };
}
