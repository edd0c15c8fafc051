import type { DeviceInfo } from '@bnkit/core';
import type { Deviation } from '../tolerance.js';

/**
 * PASS and FAIL are verdicts; SKIP means the check did not apply (with the reason); NOT IMPLEMENTED means the
 * backend lacks a kernel the profile requires, and counts as a failure.
 */
export type Status = 'pass' | 'fail' | 'skip' | 'not-implemented';

export type Profile = 'bn' | 'training';
export type LenetTier = 'off' | 'quick' | 'full';

/** How to rerun exactly the failing property: `--seed <seed> --path <path> --filter <check id>`. */
export interface Replay {
  readonly seed: number;
  readonly path?: string;
  /** The shrunk failing input, as JSON. */
  readonly counterexample?: string;
}

/** The options that rerun exactly the failing property of check `checkId`. */
export function replayFlags(replay: Replay, checkId: string): string {
  return `--seed ${replay.seed}${replay.path ? ` --path ${replay.path}` : ''} --filter ${checkId}`;
}

/** One golden fixture (or any other named case inside a check). */
export interface CaseResult {
  readonly id: string;
  readonly status: Status;
  readonly worst?: Deviation;
  readonly message?: string;
  /** File the case came from. */
  readonly file?: string;
  readonly durationMs: number;
}

export interface CheckResult {
  /** Stable id, e.g. 'zero-mean-unit-variance'. */
  readonly id: string;
  /** Number in docs/checks.md. */
  readonly number: number;
  readonly title: string;
  readonly status: Status;
  readonly worst?: Deviation;
  readonly message?: string;
  readonly replay?: Replay;
  /** Inputs the property ran (shrinking included). */
  readonly propertyRuns: number;
  /** True when an interactive time budget stopped the property before numRuns inputs: the verdict is partial. */
  readonly partial?: boolean;
  readonly cases?: readonly CaseResult[];
  readonly durationMs: number;
}

export interface Counts {
  readonly checks: { readonly total: number; readonly passed: number; readonly failed: number; readonly skipped: number; readonly notImplemented: number };
  readonly fixtures: { readonly total: number; readonly passed: number; readonly failed: number; readonly skipped: number; readonly notImplemented: number };
  readonly propertyRuns: number;
}

export interface ConformanceReport {
  readonly format: 'bnkit-conformance-report/1';
  readonly backend: { readonly spec: string; readonly name: string; readonly device: DeviceInfo };
  readonly profile: Profile;
  readonly seed: number;
  readonly numRuns: number;
  readonly lenet: LenetTier;
  readonly fixtureDirs: readonly string[];
  readonly filter?: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
  readonly counts: Counts;
  /**
   * True when a time budget stopped any property early (interactive runs only): the same seed and numRuns
   * may then give another verdict. Always false in CI and through the API unless a budget was asked for.
   */
  readonly partial: boolean;
  /** True when no check and no case failed or was NOT IMPLEMENTED. */
  readonly ok: boolean;
}

export function isFailure(status: Status): boolean {
  return status === 'fail' || status === 'not-implemented';
}
