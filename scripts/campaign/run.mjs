#!/usr/bin/env node
/*
 * The fault campaign: malformed command lines, bad API calls, damaged checkpoints, corrupted data files and
 * the other areas under areas/ are thrown at bnkit, and every trial must end as documented — a malformed
 * input refused with a typed error or exit code, a benign one accepted, nothing crashing or hanging.
 *
 *   node scripts/campaign/run.mjs [--bounded] [--seed N] [--area NAME]... [--json FILE]
 *
 * Each area runs in a forked process (area-child.mjs) with a bound per trial; a trial that blocks that
 * process past its bound, or takes it down, is recorded (hang, crash) and the area resumes after it.
 * Exit: 0 no finding, 1 findings, 2 bad command line, 3 a bug in the campaign itself.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const AREAS_DIR = fileURLToPath(new URL('./areas/', import.meta.url));
const CHILD = fileURLToPath(new URL('./area-child.mjs', import.meta.url));
/** The seed of every campaign unless --seed says otherwise, so a finding replays exactly. */
export const DEFAULT_SEED = 20261201;
/** A trial's bound when its area sets none. */
export const DEFAULT_TRIAL_TIMEOUT_MS = 30_000;
/** How long past a trial's bound the runner waits for its area's process before killing it. */
export const DEFAULT_GRACE_MS = 15_000;

/** Area modules under `dir`: `{ name, file }` sorted by name. */
export function listAreas(dir = AREAS_DIR) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.mjs'))
    .sort()
    .map((f) => ({ name: f.slice(0, -'.mjs'.length), file: join(dir, f) }));
}

/** CPU seconds of this process's finished children (and theirs), from /proc/self/stat; null off Linux. */
function childrenCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces): cutime and cstime are fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Node runs on
    return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
  } catch {
    return null;
  }
}

function emptyCounts(area, description) {
  return {
    area, description, trials: 0, malformed: 0, refused: 0, acceptedMalformed: 0, crash: 0, hang: 0,
    benignAccepted: 0, benignRefused: 0, wallSeconds: 0, cpuSeconds: null, findings: [],
  };
}

/** Adds one trial's result to an area's counts; returns the finding kind, or undefined. */
function count(counts, r) {
  counts.trials++;
  if (r.malformed) counts.malformed++;
  let finding;
  if (r.outcome === 'crash') finding = 'crash';
  else if (r.outcome === 'hang') finding = 'hang';
  else if (r.malformed) finding = r.outcome === 'accepted' ? 'acceptedMalformed' : undefined;
  else finding = r.outcome === 'refused' ? 'benignRefused' : undefined;
  if (r.malformed && r.outcome === 'refused') counts.refused++;
  if (!r.malformed && r.outcome === 'accepted') counts.benignAccepted++;
  if (finding) {
    counts[finding]++;
    counts.findings.push({ id: r.id, kind: finding, detail: r.detail });
  }
  return finding;
}

/**
 * Runs one area in forked processes, restarting after a trial that had to be killed. Resolves its counts;
 * rejects only when the area itself is broken (it failed to load or its generator threw).
 */
async function runArea({ name, file }, { full, seed, log, timeoutMs, graceMs }) {
  const mod = await import(pathToFileURL(file).href);
  if (mod.area !== name || typeof mod.trials !== 'function') {
    throw new Error(`${file} must export area = '${name}', a description and trials() (scripts/campaign/README in CONTRIBUTING.md)`);
  }
  const counts = emptyCounts(name, String(mod.description ?? ''));
  const ids = new Set();
  const started = Date.now();
  const cpuBefore = childrenCpuSeconds();
  const tmpRoot = mkdtempSync(join(tmpdir(), `bnkit-campaign-${name}-`));
  let skip = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      const tmp = mkdtempSync(join(tmpRoot, `run${attempt}-`));
      const end = await new Promise((resolveEnd, rejectEnd) => {
        const args = ['--module', file, '--seed', String(seed), '--skip', String(skip), '--tmp', tmp, '--timeout-ms', String(timeoutMs)];
        const child = fork(CHILD, [...args, ...(full ? ['--full'] : [])], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)));
        let current; // the trial that started and has no result yet
        let watchdog;
        let settled = false;
        let finished = false;
        const settle = (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(watchdog);
          resolveEnd(value);
        };
        const killGroup = () => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        };
        // Between trials the area's generator runs (its setup); bounded too, or a blocked one would hang the runner.
        let last = skip - 1;
        const armIdle = () => {
          clearTimeout(watchdog);
          watchdog = setTimeout(() => {
            count(counts, { id: `setup-after-${last + 1}-trials`, malformed: true, outcome: 'hang', detail: `the area's generator blocked for ${timeoutMs + graceMs} ms between trials` });
            killGroup();
            settle({ resumeAt: last + 1 });
          }, timeoutMs + graceMs);
        };
        armIdle();
        child.on('message', (m) => {
          if (m.type === 'start') {
            if (ids.has(m.id)) {
              killGroup();
              settled = true;
              rejectEnd(new Error(`area ${name} yields the trial id '${m.id}' twice; ids must be unique`));
              return;
            }
            ids.add(m.id);
            current = m;
            clearTimeout(watchdog);
            watchdog = setTimeout(() => {
              const hung = current;
              count(counts, { ...hung, outcome: 'hang', detail: `blocked its area's process for ${hung.timeoutMs + graceMs} ms` });
              killGroup();
              settle({ resumeAt: hung.index + 1 });
            }, m.timeoutMs + graceMs);
          } else if (m.type === 'result') {
            current = undefined;
            last = m.index;
            armIdle();
            const finding = count(counts, m);
            if (finding) log(`  ${name}/${m.id}: ${finding}: ${m.detail}`);
            if (counts.trials % 100 === 0) log(`  ${name}: ${counts.trials} trials`);
          } else if (m.type === 'done') {
            // Settled on exit, once the process is reaped: its CPU time (and its children's) is counted then.
            // A process that cannot exit (a thread still blocked in a call a timed-out trial made) is ended.
            finished = true;
            clearTimeout(watchdog);
            watchdog = setTimeout(() => {
              log(`  ${name}: its process did not exit after its last trial; killed`);
              killGroup();
              settle({ resumeAt: null });
            }, graceMs);
          } else if (m.type === 'error') {
            settled = true;
            clearTimeout(watchdog);
            rejectEnd(new Error(`area ${name}: its trial generator threw: ${m.message}`));
          }
        });
        child.on('exit', (code, signal) => {
          if (settled) return;
          if (finished) return settle({ resumeAt: null });
          if (current) {
            // The trial took its area's process down (process.exit, a signal, an abort).
            count(counts, { ...current, outcome: 'crash', detail: `its area's process ended (${signal ?? `exit ${code}`}) during the trial: ${stderr.trim().split('\n').pop() ?? ''}` });
            settle({ resumeAt: current.index + 1 });
          } else {
            settled = true;
            rejectEnd(new Error(`area ${name}: its process ended (${signal ?? `exit ${code}`}) between trials: ${stderr.trim()}`));
          }
        });
      });
      if (end.resumeAt === null) break;
      skip = end.resumeAt;
    }
  } finally {
    rmSync(tmpRoot, { recursive: true, force: true });
  }
  counts.wallSeconds = (Date.now() - started) / 1000;
  const cpuAfter = childrenCpuSeconds();
  counts.cpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return counts;
}

const SUMMED = ['trials', 'malformed', 'refused', 'acceptedMalformed', 'crash', 'hang', 'benignAccepted', 'benignRefused', 'wallSeconds', 'cpuSeconds'];

/**
 * Runs the campaign: every area of `areasDir` (or those named in `areas`), one after another. Resolves
 * `{ seed, full, areas: counts[], total: counts }`; `total.findings` lists every finding with its area.
 */
export async function runCampaign({
  full = false, seed = DEFAULT_SEED, areas, areasDir = AREAS_DIR, log = () => {}, timeoutMs = DEFAULT_TRIAL_TIMEOUT_MS, graceMs = DEFAULT_GRACE_MS,
} = {}) {
  const available = listAreas(areasDir);
  const chosen = areas === undefined ? available : areas.map((a) => available.find((x) => x.name === a) ?? Promise.reject(new Error(`no area '${a}' in ${areasDir}`)));
  for (const area of chosen) if (area instanceof Promise) await area;
  const results = [];
  for (const area of chosen) {
    log(`${area.name}: ${full ? 'full' : 'bounded'} run, seed ${seed}`);
    results.push(await runArea(area, { full, seed, log, timeoutMs, graceMs }));
  }
  const total = emptyCounts('total', 'every area');
  for (const r of results) {
    for (const k of SUMMED) total[k] = (total[k] ?? 0) + (r[k] ?? 0);
    total.findings.push(...r.findings.map((f) => ({ area: r.area, ...f })));
  }
  if (results.some((r) => r.cpuSeconds === null)) total.cpuSeconds = null;
  return { seed, full, areas: results, total };
}

const COLUMNS = [
  ['area', 'area'], ['trials', 'trials'], ['malformed', 'malformed'], ['refused', 'refused'],
  ['acceptedMalformed', 'accepted malformed'], ['crash', 'crash'], ['hang', 'hang'],
  ['benignAccepted', 'benign accepted'], ['benignRefused', 'benign refused'], ['wallSeconds', 'wall s'], ['cpuSeconds', 'cpu s'],
];

/** The counts as a text table, then every finding on its own line. */
export function formatCampaign(result) {
  const cell = (row, key) => {
    const v = row[key];
    if (key === 'wallSeconds' || key === 'cpuSeconds') return v === null ? 'n/a' : v.toFixed(1);
    return String(v);
  };
  const rows = [COLUMNS.map(([, title]) => title), ...[...result.areas, result.total].map((r) => COLUMNS.map(([key]) => cell(r, key)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const findings = result.total.findings;
  return [
    `bnkit fault campaign (${result.full ? 'full' : 'bounded'}, seed ${result.seed})`,
    '',
    line(rows[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1, -1).map(line),
    widths.map((w) => '-'.repeat(w)).join('  '),
    line(rows.at(-1)),
    '',
    findings.length === 0
      ? `no findings: ${result.total.malformed} malformed inputs refused or failed as documented, ${result.total.benignAccepted} benign controls accepted`
      : [`${findings.length} finding(s):`, ...findings.map((f) => `  ${f.area}/${f.id}: ${f.kind}: ${f.detail}`)].join('\n'),
  ].join('\n');
}

export const USAGE = `Usage: node scripts/campaign/run.mjs [options]   (pnpm campaign [options] builds first)

Throws malformed inputs at bnkit (areas in scripts/campaign/areas/) and prints, per area and in total, the
trials, how many were refused as documented, and every finding: malformed input accepted, crash, hang,
benign control refused.

Options:
  --bounded       a seeded sample of each area (what pnpm test runs), instead of the full campaign
  --seed N        seed of the trials, an integer from 0 to 4294967295 (default ${DEFAULT_SEED})
  --area NAME     only this area (repeatable)
  --json FILE     also write the counts and findings as JSON
  -h, --help      this text

Exit: 0 no finding; 1 findings; 2 bad command line; 3 a bug in the campaign (an area that fails to load).
`;

/** Reads the command line; throws an Error with `usage` set on a bad one. */
export function parseCampaignArgs(argv) {
  const usage = (message) => Object.assign(new Error(message), { usage: true });
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { bounded: { type: 'boolean' }, seed: { type: 'string' }, area: { type: 'string', multiple: true }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw usage(`${e.message} (see --help)`);
  }
  if (values.help) return { help: true };
  let seed = DEFAULT_SEED;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(seed) || seed > 2 ** 32 - 1) throw usage(`--seed must be an integer from 0 to 4294967295, got '${values.seed}'`);
  }
  const names = listAreas().map((a) => a.name);
  for (const a of values.area ?? []) {
    if (!names.includes(a)) throw usage(`--area must be one of ${names.join(', ')}, got '${a}'`);
  }
  if (values.json !== undefined && values.json.trim() === '') throw usage('--json needs a file name');
  return { help: false, full: values.bounded !== true, seed, areas: values.area, json: values.json };
}

async function main(argv) {
  let options;
  try {
    options = parseCampaignArgs(argv);
  } catch (e) {
    if (!e.usage) throw e;
    process.stderr.write(`campaign: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.json !== undefined) {
    // Checked before the campaign, which takes minutes: its counts must not be lost at the end.
    try {
      writeFileSync(resolve(options.json), '');
    } catch (e) {
      process.stderr.write(`campaign: --json: cannot write ${resolve(options.json)} (${e.code ?? e.message})\n`);
      return 2;
    }
  }
  const result = await runCampaign({ ...options, log: (line) => process.stderr.write(`[campaign] ${line}\n`) });
  process.stdout.write(`${formatCampaign(result)}\n`);
  if (options.json !== undefined) writeFileSync(resolve(options.json), `${JSON.stringify(result, null, 2)}\n`);
  return result.total.findings.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`campaign: a bug in the campaign: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 3;
    },
  );
}
