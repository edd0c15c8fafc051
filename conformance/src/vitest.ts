import type { Backend, BackendFactory, MemoryInfo } from '@bnkit/core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { CHECKS } from './checks/index.js';
import { goldenFixtures, runCase } from './checks/golden-fixtures.js';
import { ConformanceUsageError } from './errors.js';
import { loadFixtureDirs } from './fixtures/load.js';
import type { LoadedFixture } from './fixtures/types.js';
import type { LenetTier, Profile, Status } from './report/types.js';
import { fixtureDirsOf, openSession, resolveSettings, runCheck, type CheckSession } from './run.js';

/*
 * The suite as vitest tests: one backend package's test file calls describeBackend and gets, per device, every
 * fixture case and every check as its own test, through the same runner, comparator and checks as the CLI.
 */

/** The seed every registered property uses unless the caller pins another: the same inputs on every run. */
export const SUITE_SEED = 20261201;
/** Inputs per property unless the caller says otherwise: enough to find the planted faults, quick on a CPU. */
export const SUITE_NUM_RUNS = 100;
/** Per test: generous, as a verdict must never depend on how loaded the machine is. */
const TEST_TIMEOUT_MS = 30 * 60_000;

/** One backend to run the suite on; `D` is the device names its factory accepts. */
export interface BackendSuite<D extends string = string> {
  /** Names the describe block, e.g. the package name. */
  readonly name: string;
  /** Creates the backend under test; called with `{ device }` for each entry of `devices`. */
  readonly create: (options: { readonly device?: D }) => Backend | Promise<Backend>;
  /** The devices to run on, each its own describe block; default one run on the factory's default device. */
  readonly devices?: readonly D[];
  /** Registers every test as skipped, with this reason (e.g. no WebGPU adapter on this machine). */
  readonly skip?: string;
  /** `bn` or `training` (default): which kernel groups must be implemented. */
  readonly profile?: Profile;
  /** fast-check seed (default SUITE_SEED) and inputs per property (default SUITE_NUM_RUNS). */
  readonly seed?: number;
  readonly numRuns?: number;
  /** Check 10's tier (default off: it trains for minutes; the CLI gates run it). */
  readonly lenet?: LenetTier;
  /** Fixture directories run besides @bnkit/fixtures' own cases. */
  readonly fixtureDirs?: readonly string[];
  /**
   * Checks (by id) or fixtures (by id) this backend is known to fail, each with the reason: text that the
   * failure message must contain. Such a test passes only when it fails for that reason, so a fix or a
   * different failure shows up.
   */
  readonly expectedFailures?: Readonly<Record<string, string>>;
  /**
   * Registers the package's own tests for this device in the same describe block, after the suite's, on the
   * same instance (as its factory returned it): e.g. that every kernel compiled in the requested mode.
   */
  readonly also?: (backend: () => Backend, device: D | undefined) => void;
}

const FAILING: readonly Status[] = ['fail', 'not-implemented'];

/** Turns a check's or a fixture's verdict into the test's outcome. */
function judge(ctx: TestContext, id: string, status: Status, message: string | undefined, expectedFailure: string | undefined): void {
  const verdict = `${id}: ${status.toUpperCase()}${message ? ` — ${message}` : ''}`;
  if (expectedFailure !== undefined) {
    if (!FAILING.includes(status)) expect.fail(`${verdict}; it was expected to fail because '${expectedFailure}'`);
    if (!message?.includes(expectedFailure)) expect.fail(`${verdict}; it was expected to fail, but because '${expectedFailure}'`);
    return;
  }
  if (status === 'skip') {
    // A skip must say why, so a reader can check the reason (a missing optional package, a check that
    // cannot apply to this backend); a skip without one is reported as a failure.
    if (!message) expect.fail(`${verdict}: skipped without a reason`);
    ctx.skip(verdict);
  }
  if (status !== 'pass') expect.fail(verdict);
}

function checkExpectedFailures<D extends string>(suite: BackendSuite<D>, fixtures: readonly LoadedFixture[]): void {
  const known = new Set([...CHECKS.map((c) => c.id), ...fixtures.map((f) => f.fixture.id)]);
  for (const id of Object.keys(suite.expectedFailures ?? {})) {
    if (!known.has(id)) throw new ConformanceUsageError(`expectedFailures names '${id}', which is neither a check id nor a fixture id`);
  }
}

function describeDevice<D extends string>(suite: BackendSuite<D>, device: D | undefined, fixtures: readonly LoadedFixture[]): void {
  const settings = resolveSettings({
    backend: suite.name,
    profile: suite.profile ?? 'training',
    seed: suite.seed ?? SUITE_SEED,
    numRuns: suite.numRuns ?? SUITE_NUM_RUNS,
    lenet: suite.lenet ?? 'off',
    ...(device !== undefined ? { device } : {}),
  });
  const expected = suite.expectedFailures ?? {};
  let session: CheckSession | undefined;
  let baseline: MemoryInfo | undefined;
  const opened = (): CheckSession => {
    if (!session) throw new ConformanceUsageError(`${suite.name}: the backend could not be created (see the first error)`);
    return session;
  };
  beforeAll(async () => {
    // Called only with { device } for one of suite.devices, which is what the factory accepts.
    session = await openSession({ factory: suite.create as BackendFactory }, settings, fixtures);
    baseline = session.ctx.backendAsCreated.memory();
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await session?.close();
  }, TEST_TIMEOUT_MS);

  describe('fixtures', () => {
    for (const f of fixtures) {
      it(f.fixture.id, async (test) => {
        const result = await runCase(opened().ctx, f);
        judge(test, f.fixture.id, result.status, result.message, expected[f.fixture.id]);
      }, TEST_TIMEOUT_MS);
    }
  });

  describe(`checks (seed ${settings.seed}, ${settings.numRuns} runs)`, () => {
    // Check 8's cases are the fixture tests above, one per case.
    for (const check of CHECKS.filter((c) => c !== goldenFixtures)) {
      it(`${check.number} ${check.id}`, async (test) => {
        const result = await runCheck(check, opened().ctx);
        judge(test, check.id, result.status, result.message, expected[check.id]);
      }, TEST_TIMEOUT_MS);
    }
  });

  it('memory returns to its baseline after every fixture and check', () => {
    const now = opened().ctx.backendAsCreated.memory();
    expect(now, `live tensors and bytes after the suite, against ${JSON.stringify(baseline)} before it`).toEqual(baseline);
  });

  suite.also?.(() => opened().ctx.backendAsCreated, device);
}

/**
 * Registers the conformance suite for one backend: per device, a test per fixture case (built-in and
 * `fixtureDirs`), a test per check with a fixed seed and run count, and the memory baseline. Call it at the
 * top level of a vitest test file.
 */
export function describeBackend<D extends string>(suite: BackendSuite<D>): void {
  const fixtures = loadFixtureDirs(fixtureDirsOf({ fixtureDirs: suite.fixtureDirs }));
  checkExpectedFailures(suite, fixtures);
  if (suite.skip !== undefined && suite.skip.trim() === '') throw new ConformanceUsageError(`describeBackend(${suite.name}): skip needs a reason a reader can check`);
  const devices: readonly (D | undefined)[] = suite.devices ?? [undefined];
  for (const device of devices) {
    const title = `${suite.name}${device !== undefined ? ` on ${device}` : ''}: bnkit conformance`;
    // The caller's reason (checked non-empty above) is in the title of every test it skips.
    describe.skipIf(suite.skip !== undefined)(suite.skip !== undefined ? `${title} (skipped: ${suite.skip})` : title, () => describeDevice(suite, device, fixtures));
  }
}
