import { parseArgs } from 'node:util';
import { BUILTIN_BACKENDS, prepareOutputs } from '@bnkit/loader';
import { DEFAULT_NUM_RUNS, INTERACTIVE_PROPERTY_TIME_LIMIT_MS } from './defaults.js';
import { ConformanceUsageError } from './errors.js';
import type { LenetTier, Profile } from './report/types.js';
import { DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_S, MIN_MEMORY_LIMIT_MB } from './supervise/limits.js';
import type { SupervisedOptions } from './supervise/run-supervised.js';

/*
 * The command line of bnkit-conformance, read strictly and checked whole before the suite loads: every
 * integer in its range, no empty value, a --path that can be replayed, --json/--junit locations writable.
 */

/** Exit codes: every check passed; a check failed or was NOT IMPLEMENTED; the run could not start; a bug in the suite. */
export const EXIT = { ok: 0, notConformant: 1, usage: 2, crash: 3 } as const;

/**
 * The most property runs per check: 100 times the default, already most of an hour per property on a slow
 * backend; more is a typo that would run for days.
 */
export const MAX_NUM_RUNS = 100_000;

/** The longest --timeout: a day per unit of work. */
export const MAX_TIMEOUT_S = 24 * 3600;
/** The largest --memory-limit, 1 TiB: more is a typo. */
export const MAX_MEMORY_LIMIT_MB = 1024 * 1024;

export const USAGE = `Usage: bnkit-conformance --backend=<${Object.keys(BUILTIN_BACKENDS).join('|')}|package name|file path> [options]

Runs the bnkit conformance checks (docs/checks.md) against one backend.

Options:
  --backend <spec>        backend to test: a built-in name, an installed package, or a .js file whose default
                          export (or createBackend export) creates the backend
  --fixtures <dir>        extra directory of bnkit-fixture/1 cases, searched recursively (repeatable)
  --profile <bn|training> kernel groups required to pass (default bn; training also needs conv2d, linear, ...)
  --seed <n>              fast-check seed, -2147483648 to 4294967295 (default: from the clock, printed for replay)
  --num-runs <n>          random inputs per property, 1 to ${MAX_NUM_RUNS} (default ${DEFAULT_NUM_RUNS}); the same --seed and
                          --num-runs always try the same inputs and give the same verdict
  --time-budget <ms|off>  stop each property after ms and mark the verdict partial (default: ${INTERACTIVE_PROPERTY_TIME_LIMIT_MS}
                          in a terminal without --num-runs/--path, otherwise off)
  --path <p>              fast-check path of a failure to replay (with its --seed): numbers joined by ':', the
                          first one a run index below --num-runs (below ${MAX_NUM_RUNS} when --num-runs is not given)
  --lenet <off|quick|full> check 10, LeNet-BN end to end (default quick under training, off under bn)
  --filter <text>         only checks whose id or title contains text, or fixtures whose id does
  --device <x>            passed to the backend factory (gpu: auto|webgpu|webasm|cpu, tfjs: auto|tensorflow|webgpu|
                          wasm|cpu); refused for ts, which runs on the CPU only. A device the factory refuses is
                          a bad command line.
  --timeout <s>           seconds a check may run per unit of work before it fails as hung (default ${DEFAULT_TIMEOUT_S};
                          a check's work is its --num-runs over ${DEFAULT_NUM_RUNS}, at least 1; LeNet-BN quick 3, full 25);
                          also the limit for loading, creating and closing the backend. 1 to ${MAX_TIMEOUT_S}
  --memory-limit <mb>     heap and resident-memory ceiling of the process running the backend (default
                          ${DEFAULT_MEMORY_LIMIT_MB}); past it the running check fails. ${MIN_MEMORY_LIMIT_MB} to ${MAX_MEMORY_LIMIT_MB}
  --json <file>           write the report as JSON
  --junit <file>          write the report as JUnit XML (both: directories created, and writability checked,
                          before the run)
  -h, --help              this text
  --version               print the version of @bnkit/conformance

The backend runs in a child process: a check during which it hangs, exits, crashes or passes the memory
ceiling fails with the reason, and the run goes on in a fresh process. The report is always written.

Exit codes: 0 conformant; 1 a check failed, a required kernel is not implemented, or no check passed;
            2 bad options (a value out of range, a --filter that selects nothing, an unwritable --json/--junit, a --device the backend
              refuses or cannot start), unknown backend or malformed fixture;
            3 a bug in the suite (an error it did not expect; please report it).`;

/** What the command line gives runConformance (a backend by name), and where the report files go. */
export interface CliOptions extends Omit<SupervisedOptions, 'builtinFixtures' | 'onCheck'> {
  readonly json?: string;
  readonly junit?: string;
}

export type ParsedCli = { readonly help: true } | { readonly help: false; readonly options: CliOptions };

function integer(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConformanceUsageError(`--${name} must be an integer from ${min} to ${max}, got '${v}'`);
  }
  return n;
}

function oneOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new ConformanceUsageError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

function nonEmpty(name: string, v: string | undefined): string | undefined {
  if (v !== undefined && v.trim() === '') throw new ConformanceUsageError(`--${name} needs a value`);
  return v;
}

/**
 * A fast-check path names one generated input: the index of the run, then the shrink steps. One that is
 * not numbers joined by ':', or whose run index lies beyond the runs, would replay nothing and pass silently.
 */
function replayPath(v: string | undefined, numRuns: number | undefined, seed: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  const steps = v.split(':');
  if (!/^\d+(:\d+)*$/.test(v) || !steps.every((s) => Number.isSafeInteger(Number(s)))) {
    throw new ConformanceUsageError(`--path must be the fast-check path of a failure (numbers joined by ':', as the report prints it), got '${v}'`);
  }
  const runs = numRuns ?? MAX_NUM_RUNS;
  if (Number(steps[0]) >= runs) {
    throw new ConformanceUsageError(`--path starts with run index ${steps[0]}, but the runs are 0 to ${runs - 1}${numRuns === undefined ? ' (the most --num-runs allows)' : ' (--num-runs)'}`);
  }
  if (seed === undefined) throw new ConformanceUsageError('--path needs the --seed it was found with (the report prints both)');
  return v;
}

/**
 * The per-property time budget: an explicit --time-budget, else the interactive default for a person at a
 * terminal who gave no --num-runs or --path. CI (not a terminal, or CI set) never gets one, so its verdicts
 * are reproducible.
 */
function timeBudget(v: string | undefined, runsUnpinned: boolean): number | undefined {
  if (v === 'off') return undefined;
  if (v !== undefined) return integer('time-budget', v, 1, 24 * 3600 * 1000);
  const interactive = process.stdout.isTTY === true && !process.env.CI;
  return interactive && runsUnpinned ? INTERACTIVE_PROPERTY_TIME_LIMIT_MS : undefined;
}

/** Reads and checks the command line (no file is touched); throws ConformanceUsageError saying what is allowed. */
export function parseCli(argv: readonly string[]): ParsedCli {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        backend: { type: 'string' },
        fixtures: { type: 'string', multiple: true },
        profile: { type: 'string' },
        seed: { type: 'string' },
        'num-runs': { type: 'string' },
        'time-budget': { type: 'string' },
        path: { type: 'string' },
        lenet: { type: 'string' },
        filter: { type: 'string' },
        device: { type: 'string' },
        timeout: { type: 'string' },
        'memory-limit': { type: 'string' },
        json: { type: 'string' },
        junit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new ConformanceUsageError(`${(e as Error).message.trimEnd().replace(/\.$/, '')} (see --help)`);
  }
  if (values.help) return { help: true };
  const backend = nonEmpty('backend', values.backend);
  if (backend === undefined) {
    throw new ConformanceUsageError(`--backend is required: ${Object.keys(BUILTIN_BACKENDS).join(', ')}, a package name or a file path`);
  }
  const device = nonEmpty('device', values.device);
  if (backend === 'ts' && device !== undefined) {
    throw new ConformanceUsageError(`--device is not taken by the ts backend (it runs on the CPU only), got '${device}'`);
  }
  const seed = integer('seed', values.seed, -(2 ** 31), 2 ** 32 - 1);
  const numRuns = integer('num-runs', values['num-runs'], 1, MAX_NUM_RUNS);
  for (const dir of values.fixtures ?? []) nonEmpty('fixtures', dir);
  return {
    help: false,
    options: {
      backend,
      fixtureDirs: values.fixtures ?? [],
      profile: oneOf<Profile>('profile', values.profile, ['bn', 'training']),
      seed,
      numRuns,
      propertyTimeLimitMs: timeBudget(values['time-budget'], values['num-runs'] === undefined && values.path === undefined),
      path: replayPath(nonEmpty('path', values.path), numRuns, seed),
      lenet: oneOf<LenetTier>('lenet', values.lenet, ['off', 'quick', 'full']),
      // An empty filter would match every check while looking like a selection.
      filter: nonEmpty('filter', values.filter),
      device,
      timeoutS: integer('timeout', values.timeout, 1, MAX_TIMEOUT_S),
      memoryLimitMb: integer('memory-limit', values['memory-limit'], MIN_MEMORY_LIMIT_MB, MAX_MEMORY_LIMIT_MB),
      json: nonEmpty('json', values.json),
      junit: nonEmpty('junit', values.junit),
    },
  };
}

/**
 * Creates the directories of --json and --junit and checks both can be written, before the run: a report
 * that cannot be written after an hour of checks is a report lost.
 */
export function prepareReportFiles(options: Pick<CliOptions, 'json' | 'junit'>): void {
  const files = [['json', options.json], ['junit', options.junit]] as const;
  prepareOutputs(
    files.flatMap(([flag, path]) => (path === undefined ? [] : [{ flag, path, kind: 'file' as const }])),
    (message) => new ConformanceUsageError(message),
  );
}
