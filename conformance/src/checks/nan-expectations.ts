import { BehaviourViolated } from '../property.js';
import { deviation, type Deviation, type Tolerance } from '../tolerance.js';

/*
 * What one output element of a kernel must be after NaN/±Inf were injected into its inputs, and the judge
 * that holds a backend to it. `same` compares the backend with itself on the clean inputs (bit for bit, so
 * a value the bad input cannot reach must not move at all); the other expectations are absolute.
 */

export type BadValue = 'NaN' | '+Inf' | '-Inf';
export const BAD_VALUES: readonly BadValue[] = ['NaN', '+Inf', '-Inf'];
export const badNumber = (b: BadValue): number => (b === 'NaN' ? NaN : b === '+Inf' ? Infinity : -Infinity);

export type Expectation =
  | 'same'
  /** Where a kernel may multiply the bad value by a structural zero (see nan-training-ops.ts' conv2dBackward). */
  | 'sameOrNaN'
  | 'nan'
  | 'nonfinite'
  | { readonly infinity: 1 | -1 }
  /** A finite value the bad input changed, judged against the float64 reference. */
  | { readonly near: number };

/** What a finite element may be at most when an injected bad value changed it, like any other float32 result. */
export const FINITE_AFTER_INJECTION: Tolerance = { rtol: 1e-4, atol: 1e-4 };

/** The expectation an IEEE float64 reference value implies for the same element computed in float32. */
export function expectationOf(dirty: number, clean: number): Expectation {
  if (Object.is(dirty, clean)) return 'same';
  if (Number.isNaN(dirty)) return 'nan';
  if (!Number.isFinite(dirty)) return { infinity: dirty > 0 ? 1 : -1 };
  return { near: dirty };
}

function describe(e: Expectation): string {
  if (e === 'same') return 'unchanged';
  if (e === 'sameOrNaN') return 'unchanged or NaN';
  if (e === 'nan') return 'NaN';
  if (e === 'nonfinite') return 'NaN or ±Infinity';
  if ('infinity' in e) return e.infinity > 0 ? '+Infinity' : '-Infinity';
  return `≈${e.near}`;
}

/**
 * Judges one output tensor: throws BehaviourViolated at the first element whose class is wrong (with what was
 * injected, so the message reads on its own), and returns the deviation of the finite changed elements.
 */
export function judge(
  name: string, actual: ArrayLike<number>, clean: ArrayLike<number>, expect: (i: number) => Expectation, injected: string,
): Deviation[] {
  const deviations: Deviation[] = [];
  for (let i = 0; i < actual.length; i++) {
    const e = expect(i);
    const a = actual[i];
    const ok =
      e === 'same' ? Object.is(a, clean[i])
      : e === 'sameOrNaN' ? Object.is(a, clean[i]) || Number.isNaN(a)
      : e === 'nan' ? Number.isNaN(a)
      : e === 'nonfinite' ? !Number.isFinite(a)
      : 'infinity' in e ? a === e.infinity * Infinity
      : Number.isFinite(a);
    if (!ok) {
      const was = e === 'same' || e === 'sameOrNaN' ? ` (without the bad values: ${clean[i]})` : '';
      throw new BehaviourViolated(`${name}[${i}] is ${a}, must be ${describe(e)}${was}; injected ${injected}`);
    }
    if (typeof e === 'object' && 'near' in e) deviations.push(deviation(`${name}[${i}] (${injected})`, a, e.near, FINITE_AFTER_INJECTION));
  }
  return deviations;
}
