#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUILTIN_BACKENDS } from '@bnkit/loader';
import { DEFAULT_NUM_RUNS, INTERACTIVE_PROPERTY_TIME_LIMIT_MS } from './defaults.js';
import { ConformanceUsageError } from './errors.js';
import { errorCode } from './kernel-errors.js';
import type { LenetTier, Profile } from './report/types.js';

/** Exit codes: every check passed; a check failed or was NOT IMPLEMENTED; the run could not start; a crash. */
const EXIT = { ok: 0, notConformant: 1, usage: 2, crash: 3 } as const;

const USAGE = `Usage: bnkit-conformance --backend=<${Object.keys(BUILTIN_BACKENDS).join('|')}|package name|file path> [options]

Runs the bnkit conformance checks (docs/checks.md) against one backend.

Options:
  --backend <spec>        backend to test: a built-in name, an installed package, or a .js file whose default
                          export (or createBackend export) creates the backend
  --fixtures <dir>        extra directory of bnkit-fixture/1 cases, searched recursively (repeatable)
  --profile <bn|training> kernel groups required to pass (default bn; training also needs conv2d, linear, ...)
  --seed <n>              fast-check seed (default: from the clock, printed for replay)
  --num-runs <n>          random inputs per property (default ${DEFAULT_NUM_RUNS}); the same --seed and --num-runs
                          always try the same inputs and give the same verdict
  --time-budget <ms|off>  stop each property after ms and mark the verdict partial (default: ${INTERACTIVE_PROPERTY_TIME_LIMIT_MS}
                          in a terminal without --num-runs/--path, otherwise off)
  --path <p>              fast-check path of a failure to replay (with its --seed)
  --lenet <off|quick|full> check 10, LeNet-BN end to end (default quick under training, off under bn)
  --filter <text>         only checks whose id or title contains text, or fixtures whose id does
  --device <x>            passed to the backend factory (e.g. webgpu, cpu)
  --json <file>           write the report as JSON
  --junit <file>          write the report as JUnit XML
  -h, --help              this text

Exit codes: 0 conformant; 1 a check failed or a required kernel is not implemented;
            2 bad options, unknown backend or malformed fixture; 3 unexpected error.`;

function integer(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new ConformanceUsageError(`--${name} must be an integer, got '${v}'`);
  return Number(v);
}

function oneOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new ConformanceUsageError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

/**
 * The per-property time budget: an explicit --time-budget, else the interactive default for a person at a
 * terminal who gave no --num-runs or --path. CI (not a terminal, or CI set) never gets one, so its verdicts
 * are reproducible.
 */
function timeBudget(v: string | undefined, runsUnpinned: boolean): number | undefined {
  if (v === 'off') return undefined;
  if (v !== undefined) {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new ConformanceUsageError(`--time-budget must be a positive number of milliseconds or 'off', got '${v}'`);
    return Number(v);
  }
  const interactive = process.stdout.isTTY === true && !process.env.CI;
  return interactive && runsUnpinned ? INTERACTIVE_PROPERTY_TIME_LIMIT_MS : undefined;
}

function write(file: string, text: string): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

async function main(argv: readonly string[]): Promise<number> {
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
        json: { type: 'string' },
        junit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`bnkit-conformance: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  try {
    if (!values.backend) {
      throw new ConformanceUsageError(`--backend is required: ${Object.keys(BUILTIN_BACKENDS).join(', ')}, a package name or a file path`);
    }
    // Loaded only now, so --help and option errors never depend on the checks' dependencies.
    const { runConformance } = await import('./run.js');
    const { formatReport } = await import('./report/table.js');
    const { toJUnit } = await import('./report/junit.js');
    const report = await runConformance({
      backend: values.backend,
      fixtureDirs: values.fixtures ?? [],
      profile: oneOf<Profile>('profile', values.profile, ['bn', 'training']),
      seed: integer('seed', values.seed),
      numRuns: integer('num-runs', values['num-runs']),
      propertyTimeLimitMs: timeBudget(values['time-budget'], values['num-runs'] === undefined && values.path === undefined),
      path: values.path,
      lenet: oneOf<LenetTier>('lenet', values.lenet, ['off', 'quick', 'full']),
      filter: values.filter,
      device: values.device,
      onCheck: (r) => process.stderr.write(`  ${r.status.padEnd(15)} ${r.number} ${r.id} (${(r.durationMs / 1000).toFixed(1)} s)\n`),
    });
    process.stdout.write(`${formatReport(report)}\n`);
    if (values.json) write(values.json, `${JSON.stringify(report, null, 2)}\n`);
    if (values.junit) write(values.junit, toJUnit(report));
    return report.ok ? EXIT.ok : EXIT.notConformant;
  } catch (e) {
    const code = errorCode(e);
    if (code === 'USAGE' || code === 'UNKNOWN_BACKEND' || code === 'MALFORMED_FIXTURE' || code === 'DEVICE_UNAVAILABLE') {
      process.stderr.write(`bnkit-conformance: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`bnkit-conformance: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.crash;
  }
}

process.exitCode = await main(process.argv.slice(2));
