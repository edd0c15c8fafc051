import { worstViolation } from '@bnkit/fixtures/rules';
import { ERROR_BUDGET, UNIT_ROUNDOFF } from './error-model.js';

/**
 * The one tolerance rule of bnkit (docs/tolerance.md): a value passes when
 * `|actual − expected| <= atol + rtol·|expected|`. Every check reports its worst element as a Deviation,
 * so "how close to failing" reads the same everywhere: ratio = error / allowed, passing when <= 1.
 */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

export interface Deviation {
  /** |actual − expected| at the worst element (Infinity for NaN or a missing value). */
  readonly error: number;
  /** atol + rtol·|expected| at that element. */
  readonly allowed: number;
  /** error / allowed; 0 when both are 0. Passing when <= 1. */
  readonly ratio: number;
  /** What was compared and where, e.g. `y[17]`. */
  readonly where: string;
  readonly actual?: number;
  readonly expected?: number;
}

export const EXACT: Tolerance = Object.freeze({ rtol: 0, atol: 0 });

/**
 * The loosest tolerance a fixture case may store, as `rtol + atol / M` with M the largest |expected| of the
 * case: 2^-8. A careful float32 implementation errs by at most ERROR_BUDGET·u = 2^-18 of the scale it
 * combines (error-model.ts); 2^-8 leaves a factor 2^10 for a case's conditioning (the worst built-in case,
 * data at 1e3 ± 6e-3, needs 2^9.3). It is also the unit roundoff of bfloat16, so a case within it can still
 * fail a backend that keeps 8 of float32's 24 bits, while at rtol >= 1 or atol >= M an all-zero output
 * would pass: such a case cannot fail (docs/tolerance.md).
 */
export const MAX_FIXTURE_TOLERANCE = ERROR_BUDGET * UNIT_ROUNDOFF * 2 ** 10;

/**
 * A single scalar deviation (for quantities that are not elementwise, e.g. a variance). The ratio is
 * @bnkit/fixtures' worstViolation, the rule every bnkit comparison shares.
 */
export function deviation(where: string, actual: number, expected: number, tol: Tolerance): Deviation {
  const same = actual === expected; // also covers equal infinities
  const error = same ? 0 : Number.isNaN(actual) || Number.isNaN(expected) ? Infinity : Math.abs(actual - expected);
  const allowed = tol.atol + tol.rtol * Math.abs(expected);
  return { error, allowed, ratio: worstViolation([actual], [expected], tol).ratio, where, actual, expected };
}

/**
 * The worst elementwise deviation of `actual` from `expected` (the first element when none differs); a
 * length mismatch is an infinite deviation.
 */
export function compareArrays(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Deviation {
  if (actual.length !== expected.length) {
    return { error: Infinity, allowed: 0, ratio: Infinity, where: `${name}: ${actual.length} values, expected ${expected.length}` };
  }
  if (expected.length === 0) return { error: 0, allowed: tol.atol, ratio: 0, where: `${name} (empty)` };
  const i = Math.max(worstViolation(actual, expected, tol).index, 0);
  return deviation(`${name}[${i}]`, actual[i], expected[i], tol);
}

export function worstOf(deviations: readonly Deviation[]): Deviation | undefined {
  let worst: Deviation | undefined;
  for (const d of deviations) if (!worst || d.ratio > worst.ratio) worst = d;
  return worst;
}

export function formatDeviation(d: Deviation): string {
  const num = (v: number): string => (Number.isFinite(v) ? v.toExponential(1) : String(v));
  return `${num(d.error)} vs ${num(d.allowed)} at ${d.where}`;
}

/**
 * Like compareArrays, with atol scaled by the largest |expected| of the tensor (at least 1): the properties
 * draw data of varied magnitude, and an element that is small because of cancellation should be judged
 * against the size of the tensor it belongs to, not against itself.
 */
export function compareScaled(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Deviation {
  let peak = 1;
  for (let i = 0; i < expected.length; i++) peak = Math.max(peak, Math.abs(expected[i]));
  return compareArrays(name, actual, expected, { rtol: tol.rtol, atol: tol.atol * peak });
}

/**
 * The properties' rule (error-model.ts): element i passes when |actual − expected| <= budget·u·scale[i],
 * u the float32 unit roundoff and scale[i] the size of what a float32 computation of it combines. `budget`
 * defaults to ERROR_BUDGET; comparisons of two float32 results (each within the budget of the truth) pass 2.
 */
export function compareWithin(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, scale: ArrayLike<number>, budget = ERROR_BUDGET): Deviation {
  if (actual.length !== expected.length) {
    return { error: Infinity, allowed: 0, ratio: Infinity, where: `${name}: ${actual.length} values, expected ${expected.length}` };
  }
  let worst = 0;
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = deviationWithin('', actual[i], expected[i], scale[i], budget);
    if (d.ratio > worst || (Number.isNaN(d.ratio) && worst === 0)) {
      worst = d.ratio;
      at = i;
    }
  }
  if (expected.length === 0) return { error: 0, allowed: 0, ratio: 0, where: `${name} (empty)` };
  return deviationWithin(`${name}[${at}]`, actual[at], expected[at], scale[at], budget);
}

/**
 * An absolute error of the expectation itself (e.g. a finite difference's), as a scale: added to an
 * element's scale, it widens the allowance by exactly that error.
 */
export function scaleOfError(error: number): number {
  return error / (ERROR_BUDGET * UNIT_ROUNDOFF);
}

/**
 * The budget for comparing two float32 results of the same values (another memory order, another call, another
 * backend): each may be ERROR_BUDGET from the truth, in opposite directions.
 */
export const TWO_FLOAT32_RESULTS = 2 * ERROR_BUDGET;

/** One value under the properties' rule (see compareWithin). */
export function deviationWithin(where: string, actual: number, expected: number, scale: number, budget = ERROR_BUDGET): Deviation {
  const allowed = budget * UNIT_ROUNDOFF * scale;
  const same = actual === expected;
  const error = same ? 0 : Number.isNaN(actual) || Number.isNaN(expected) ? Infinity : Math.abs(actual - expected);
  const ratio = error === 0 ? 0 : allowed > 0 ? error / allowed : Infinity;
  return { error, allowed, ratio, where, actual, expected };
}
