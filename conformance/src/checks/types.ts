import type { Backend, KernelGroup } from '@bnkit/core';
import type { LoadedFixture } from '../fixtures/types.js';
import type { CheckResult, LenetTier, Profile, Status } from '../report/types.js';

/** Options every check sees, with defaults resolved. */
export interface RunSettings {
  readonly profile: Profile;
  readonly seed: number;
  readonly numRuns: number;
  /**
   * Wall-clock budget per property in ms, for interactive use only: past it a property stops early and its
   * result is marked partial. Undefined (the default, and always in CI): every one of numRuns inputs runs,
   * so the verdict depends only on the seed and numRuns.
   */
  readonly propertyTimeLimitMs?: number;
  /** fast-check replay path of a previous failure (with the same seed). */
  readonly path?: string;
  readonly lenet: LenetTier;
  readonly filter?: string;
  /** Passed to the factory of the backend under test. */
  readonly device?: string;
}

export interface CheckContext {
  /** The backend under test wrapped in the suite's own `checked()`, for kernel dispatch. */
  readonly backend: Backend;
  /** The same backend as its factory returned it (or as the caller passed it), unwrapped: check 12 judges this. */
  readonly backendAsCreated: Backend;
  /**
   * Creates a second, throwaway instance of the backend under test (the caller closes it); undefined when
   * the caller passed an instance rather than a spec, so there is no factory.
   */
  readonly createAnother?: () => Promise<Backend>;
  readonly settings: RunSettings;
  /** Kernel groups the profile requires: a missing kernel of these is NOT IMPLEMENTED, of others SKIP. */
  readonly requiredGroups: readonly KernelGroup[];
  /** Every fixture that passed the filter, validated. */
  readonly fixtures: readonly LoadedFixture[];
  /** The TypeScript reference backend (created on first use, closed by the runner). */
  referenceBackend(): Promise<Backend>;
}

export type CheckOutcome = Omit<CheckResult, 'id' | 'number' | 'title' | 'durationMs' | 'propertyRuns'> & {
  readonly propertyRuns?: number;
};

/**
 * One entry of the check registry. Adding a check = one file exporting a CheckDefinition and one line in
 * checks/index.ts.
 */
export interface CheckDefinition {
  readonly id: string;
  /** Its number in docs/checks.md. */
  readonly number: number;
  readonly title: string;
  /** Why the check does not apply under these settings, or undefined when it runs. */
  skipReason?(settings: RunSettings): string | undefined;
  /**
   * How much work the check is, in units of a property check at the default run count: a supervised run
   * allows it `--timeout` seconds per unit. Default: numRuns / DEFAULT_NUM_RUNS, at least 1.
   */
  work?(settings: RunSettings): number;
  /** Whether `--filter TEXT` selects this check beyond its id and title (golden fixtures match case ids). */
  matchesFilter?(filter: string, ctx: Pick<CheckContext, 'fixtures'>): boolean;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

/** SKIP or NOT IMPLEMENTED for a missing kernel, by whether the profile requires its group. */
export function missingKernelStatus(kernelGroup: KernelGroup | undefined, required: readonly KernelGroup[]): Status {
  return kernelGroup !== undefined && !required.includes(kernelGroup) ? 'skip' : 'not-implemented';
}
