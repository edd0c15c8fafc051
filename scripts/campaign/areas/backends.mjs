// Fault campaign area: backends that attack the process running them, or answer wrongly, given to the
// conformance CLI, which runs them supervised. Each must be refused: exit 1 with a report whose failing
// check says what happened (or exit 2 for a module that cannot even be imported). The backend without a
// fault is the control that must pass.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const conformanceDir = fileURLToPath(new URL('../../../conformance/', import.meta.url));
const cli = join(conformanceDir, 'dist', 'cli.js');
const misbehaving = join(conformanceDir, 'test', 'broken', 'misbehaving.js');

/** Seconds per unit of work for the CLI: a hang costs this, a working check here needs a fraction of it. */
const TIMEOUT_S = 10;
/** Our own bound on one trial: opening, the check, the pause, close and a restart, each within TIMEOUT_S, with margin. */
const TRIAL_BOUND_MS = 10 * TIMEOUT_S * 1000;
/** The memory ceiling of the backend's process: low, so the memory faults strike within a few calls. */
const MEMORY_LIMIT_MB = 400;

export const area = 'backends';
export const description = 'faulty backends (exits, signals, hangs, crashes, memory, leaks, lifecycle, wrong answers) run through the supervised conformance CLI';

/** Runs the CLI and classifies how it ended. */
function conformance(tmp, id, backend, filter, numRuns, env) {
  const json = join(tmp, `${id}.json`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [cli, `--backend=${backend}`, '--seed', '1', '--num-runs', String(numRuns), '--filter', filter,
        '--timeout', String(TIMEOUT_S), '--memory-limit', String(MEMORY_LIMIT_MB), '--json', json],
      { cwd: conformanceDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let timedOut = false;
    child.stdout.resume();
    child.stderr.on('data', (b) => (stderr = (stderr + b).slice(-8192)));
    const guard = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TRIAL_BOUND_MS);
    child.on('error', (e) => {
      clearTimeout(guard);
      resolve({ outcome: 'crash', detail: `could not start the CLI: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (timedOut) return resolve({ outcome: 'hang', detail: `no end within ${TRIAL_BOUND_MS / 1000} s` });
      if (signal) return resolve({ outcome: 'crash', detail: `the CLI was killed by ${signal}` });
      const firstLine = (stderr.split('\n').find((l) => l.startsWith('bnkit-conformance:')) ?? stderr.trim().split('\n').pop() ?? '').slice(0, 200);
      if (code === 0) return resolve({ outcome: 'accepted', detail: 'exit 0: CONFORMANT' });
      if (code === 2) return resolve({ outcome: 'refused', detail: `exit 2: ${firstLine}` });
      if (code !== 1) return resolve({ outcome: 'crash', detail: `exit ${code}: ${firstLine}` });
      if (!existsSync(json)) return resolve({ outcome: 'crash', detail: 'exit 1 without the --json report' });
      let report;
      try {
        report = JSON.parse(readFileSync(json, 'utf8'));
      } catch (e) {
        return resolve({ outcome: 'crash', detail: `exit 1 with an unreadable --json report: ${e.message}` });
      }
      const failed = report.checks.find((c) => c.status === 'fail' && c.message);
      if (!failed) return resolve({ outcome: 'crash', detail: 'exit 1, but the report names no failing check with a reason' });
      resolve({ outcome: 'refused', detail: `exit 1: ${failed.id}: ${failed.message.slice(0, 160)}` });
    });
  });
}

/** backend-ts with one deliberately wrong kernel (conformance/test/broken/), and the check that must catch it. */
const WRONG_ANSWERS = [
  ['momentum-flipped', 'momentum'],
  ['estimator-swapped', 'momentum'],
  ['wrong-axis', 'axis-handling'],
  ['eps-outside-sqrt', 'zero-mean-unit-variance'],
  ['eval-batch-statistics', 'eval-determinism'],
  ['missing-xhat-term', 'gradients'],
];

/** Every fault of misbehaving.js (site-action), each against check 1, plus the wrong answers. */
async function allTrials(tmp) {
  const { FAULTS } = await import(misbehaving);
  const faults = Object.entries(FAULTS).flatMap(([site, actions]) => actions.map((a) => `${site}-${a}`));
  return [
    ...faults.map((fault) => ({
      id: fault,
      malformed: true,
      run: () => conformance(tmp, fault, misbehaving, 'zero-mean-unit-variance', 20, { BNKIT_FAULT: fault }),
    })),
    ...WRONG_ANSWERS.map(([file, check]) => ({
      id: `wrong-${file}`,
      malformed: true,
      run: () => conformance(tmp, file, join(conformanceDir, 'test', 'broken', `${file}.js`), check, 100, {}),
    })),
  ];
}

/** The bounded sample's size besides the control: a few seconds of CPU each. */
const BOUNDED = 10;

export async function* trials({ full, rng, tmp }) {
  yield {
    id: 'control-correct',
    malformed: false,
    run: () => conformance(tmp, 'control', misbehaving, 'zero-mean-unit-variance', 20, { BNKIT_FAULT: '' }),
  };
  const all = await allTrials(tmp);
  if (full) {
    yield* all;
    return;
  }
  // A seeded sample without repeats (Fisher–Yates on the first BOUNDED places).
  for (let i = 0; i < BOUNDED && i < all.length; i++) {
    const j = i + Math.floor(rng() * (all.length - i));
    [all[i], all[j]] = [all[j], all[i]];
    yield all[i];
  }
}
