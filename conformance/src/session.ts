import { checked, type Backend, type BackendFactory, type DeviceInfo, type KernelGroup } from '@bnkit/core';
import { CHECKS } from './checks/index.js';
import { missingKernelStatus, type CheckContext, type CheckDefinition, type CheckOutcome, type RunSettings } from './checks/types.js';
import { DEFAULT_NUM_RUNS } from './defaults.js';
import { ConformanceUsageError, ReplayPathError } from './errors.js';
import type { LoadedFixture } from './fixtures/types.js';
import { hygieneViolation, readMemory } from './hygiene.js';
import { groupOfKernel, messageOf, missingKernelOf } from './kernel-errors.js';
import { backendTs, OptionalPeerMissingError } from './optional.js';
import { summarise } from './report/summary.js';
import type { CheckResult, ConformanceReport, LenetTier, Profile } from './report/types.js';


/*
 * Running the checks on an opened backend, in any JavaScript runtime: no Node module. run.ts (Node) adds
 * finding the backend and reading fixture folders; the conformance page fetches its fixtures instead.
 */

/** The kernel groups each profile requires: a missing kernel of these is NOT IMPLEMENTED, of others SKIP. */
export const PROFILES: { readonly [P in Profile]: readonly KernelGroup[] } = {
  bn: ['batchNorm'],
  training: ['batchNorm', 'training'],
};

export interface ConformanceOptions {
  /** A backend, or what `loadBackend` accepts: 'ts' | 'gpu' | 'tfjs', a package name, a file path. */
  readonly backend: Backend | string;
  /** Fixture directories searched in addition to the built-in ones. */
  readonly fixtureDirs?: readonly string[];
  /** Include @bnkit/fixtures' own cases (default true). */
  readonly builtinFixtures?: boolean;
  readonly profile?: Profile;
  /** fast-check seed; default: drawn from the clock and printed, so any failure can be replayed. */
  readonly seed?: number;
  /** Inputs per property (default DEFAULT_NUM_RUNS); all of them run unless a time budget is given. */
  readonly numRuns?: number;
  /**
   * A wall-clock budget per property, for interactive use: a property past it stops early and the report is
   * marked partial (its verdict may differ from a full run's). Leave it unset for reproducible verdicts.
   */
  readonly propertyTimeLimitMs?: number;
  /** fast-check path of a failure to replay (with its seed). */
  readonly path?: string;
  /** Check 10's tier: default quick under the training profile, off under bn. */
  readonly lenet?: LenetTier;
  /** Only checks whose id or title contains this text, or fixtures whose id does. */
  readonly filter?: string;
  /** Passed to the backend factory. */
  readonly device?: string;
  /** The checks to run (default: all of CHECKS). */
  readonly checks?: readonly CheckDefinition[];
  /** Called as each check finishes (the CLI prints progress with it). */
  readonly onCheck?: (result: CheckResult) => void;
}

/** Node's process id, or a random one where there is no process (a page): only mixes the drawn seed. */
const processId = (): number => (typeof process === 'object' ? process.pid : Math.floor(Math.random() * 0x10000));

export function resolveSettings(o: ConformanceOptions): RunSettings {
  const profile = o.profile ?? 'bn';
  if (!(profile in PROFILES)) throw new ConformanceUsageError(`unknown profile '${String(profile)}': use bn or training`);
  const lenet = o.lenet ?? (profile === 'training' ? 'quick' : 'off');
  if (!['off', 'quick', 'full'].includes(lenet)) throw new ConformanceUsageError(`--lenet must be off, quick or full, got '${String(lenet)}'`);
  if (lenet !== 'off' && profile !== 'training') {
    throw new ConformanceUsageError(`--lenet ${lenet} needs --profile training (LeNet-BN needs the training kernels)`);
  }
  const numRuns = o.numRuns ?? DEFAULT_NUM_RUNS;
  if (!Number.isInteger(numRuns) || numRuns < 1) throw new ConformanceUsageError(`--num-runs must be a positive integer, got ${String(numRuns)}`);
  const seed = o.seed ?? (Date.now() ^ (processId() << 16)) >>> 0;
  if (!Number.isInteger(seed)) throw new ConformanceUsageError(`--seed must be an integer, got ${String(o.seed)}`);
  const propertyTimeLimitMs = o.propertyTimeLimitMs;
  if (propertyTimeLimitMs !== undefined && !(propertyTimeLimitMs > 0)) {
    throw new ConformanceUsageError(`the property time budget must be a positive number of milliseconds, got ${String(propertyTimeLimitMs)}`);
  }
  return { profile, seed, numRuns, propertyTimeLimitMs, path: o.path, lenet, filter: o.filter, device: o.device };
}

function selects(check: CheckDefinition, filter: string | undefined, ctx: Pick<CheckContext, 'fixtures'>): boolean {
  if (!filter) return true;
  return check.id.includes(filter) || check.title.includes(filter) || (check.matchesFilter?.(filter, ctx) ?? false);
}

/** The checks --filter selects; one that selects nothing would report a verdict on no evidence, so it is refused. */
export function selectChecks(checks: readonly CheckDefinition[], settings: RunSettings, fixtures: readonly LoadedFixture[]): CheckDefinition[] {
  const selected = checks.filter((check) => selects(check, settings.filter, { fixtures }));
  if (selected.length === 0) {
    throw new ConformanceUsageError(`--filter '${settings.filter}' matches no check or fixture; check ids: ${checks.map((c) => c.id).join(', ')}`);
  }
  return selected;
}

/** Runs one check; a thrown missing kernel or optional peer becomes its status, anything else a FAIL. */
async function outcomeOf(check: CheckDefinition, ctx: CheckContext): Promise<CheckOutcome> {
  const skip = check.skipReason?.(ctx.settings);
  if (skip !== undefined) return { status: 'skip', message: skip };
  try {
    return await check.run(ctx);
  } catch (e) {
    // The command line's fault, not the backend's: the run stops there (exit 2).
    if (e instanceof ReplayPathError) throw new ConformanceUsageError(`check ${check.id}: ${e.message}`);
    const kernel = missingKernelOf(e);
    return e instanceof OptionalPeerMissingError
      ? { status: 'skip', message: e.message }
      : kernel !== undefined
      ? { status: missingKernelStatus(groupOfKernel(kernel), ctx.requiredGroups), message: `not implemented: ${kernel}` }
      : { status: 'fail', message: messageOf(e) };
  }
}

/**
 * Runs one check and then its resource-hygiene assertion: the backend's live handles and bytes must be
 * what they were before the check (src/hygiene.ts). A difference, or a memory() that cannot be read, fails
 * the check with what leaked, after any failure of its own.
 */
export async function runCheck(check: CheckDefinition, ctx: CheckContext): Promise<CheckResult> {
  const started = performance.now();
  const before = readMemory(ctx.backendAsCreated);
  const outcome = await outcomeOf(check, ctx);
  const leak = hygieneViolation(before, readMemory(ctx.backendAsCreated));
  const audited: CheckOutcome = leak === undefined
    ? outcome
    : { ...outcome, status: 'fail', message: outcome.status === 'fail' && outcome.message ? `${outcome.message}; ${leak}` : leak };
  return {
    id: check.id,
    number: check.number,
    title: check.title,
    ...audited,
    propertyRuns: audited.propertyRuns ?? 0,
    durationMs: performance.now() - started,
  };
}

/** The backend under test opened for checking: the context every check gets, and close() for what it opened. */
export interface CheckSession {
  readonly ctx: CheckContext;
  close(): Promise<void>;
}

/**
 * Opens a backend for checking. Made by `factory` (called with `{ device }` when one is set), it is closed by the session's close() and check 12 gets a
 * throwaway second instance; a backend `instance` stays the caller's to close. The reference backend is
 * created on first use and closed by close().
 */
export async function openSession(
  source: { readonly factory: BackendFactory } | { readonly instance: Backend },
  settings: RunSettings,
  fixtures: readonly LoadedFixture[],
): Promise<CheckSession> {
  const backendOptions = settings.device !== undefined ? { device: settings.device } : {};
  const factory = 'factory' in source ? source.factory : undefined;
  const backendAsCreated = factory ? await factory(backendOptions) : (source as { readonly instance: Backend }).instance;
  const backend = checked(backendAsCreated);
  let reference: Promise<Backend> | undefined;
  const ctx: CheckContext = {
    backend,
    backendAsCreated,
    ...(factory ? { createAnother: () => Promise.resolve(factory(backendOptions)) } : {}),
    settings,
    requiredGroups: PROFILES[settings.profile],
    fixtures,
    // The reference is the plain TypeScript backend: --device is meant for the backend under test.
    referenceBackend: () => (reference ??= backendTs('the reference backend of checks 9 and 12').then((m) => m.createBackend())),
  };
  return {
    ctx,
    async close() {
      // A reference that failed to load has nothing to close (the check that asked for it reported why).
      if (reference) await reference.then((r) => r.close(), () => undefined);
      if (factory) await backend.close();
    },
  };
}

/** The id under which a failure of the backend's own lifecycle (close()) is reported, after the checks. */
export const LIFECYCLE_CHECK = { id: 'backend-lifecycle', number: 14, title: 'the backend closes: close() settles without throwing' } as const;

/** The report row of a lifecycle failure: a FAIL that counts like any check's. */
export function lifecycleFailure(message: string, durationMs = 0): CheckResult {
  return { ...LIFECYCLE_CHECK, status: 'fail', message, propertyRuns: 0, durationMs };
}

/** Everything a report says besides the results, as the run resolved it. */
export interface ReportHeader {
  readonly spec: string;
  readonly name: string;
  readonly device: DeviceInfo;
  readonly settings: RunSettings;
  readonly fixtureDirs: readonly string[];
  readonly startedAt: Date;
  readonly durationMs: number;
}

/** The report of a run: its header, the results in order, the counts and the verdict. */
export function buildReport(h: ReportHeader, results: readonly CheckResult[]): ConformanceReport {
  return {
    format: 'bnkit-conformance-report/1',
    backend: { spec: h.spec, name: h.name, device: h.device },
    profile: h.settings.profile,
    seed: h.settings.seed,
    numRuns: h.settings.numRuns,
    lenet: h.settings.lenet,
    fixtureDirs: h.fixtureDirs,
    ...(h.settings.filter !== undefined ? { filter: h.settings.filter } : {}),
    startedAt: h.startedAt.toISOString(),
    durationMs: h.durationMs,
    checks: results,
    ...summarise(results),
  };
}

/**
 * Runs the selected checks (options.checks or CHECKS, narrowed by the filter) in order on an open session and
 * returns the report; `onCheck` hears each result as it comes. The session stays the caller's to close.
 */
export async function runSession(
  session: CheckSession,
  options: Pick<ConformanceOptions, 'checks' | 'onCheck'>,
  source: { readonly spec: string; readonly fixtureDirs: readonly string[] },
): Promise<ConformanceReport> {
  const { ctx } = session;
  const { backend, settings } = ctx;
  const startedAt = new Date();
  const started = performance.now();
  const selected = selectChecks(options.checks ?? CHECKS, settings, ctx.fixtures);
  const results: CheckResult[] = [];
  for (const check of selected) {
    const result = await runCheck(check, ctx);
    results.push(result);
    options.onCheck?.(result);
  }
  return buildReport(
    { spec: source.spec, name: backend.name, device: backend.device, settings, fixtureDirs: source.fixtureDirs, startedAt, durationMs: performance.now() - started },
    results,
  );
}
