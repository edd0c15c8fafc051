import { InvalidArgumentError } from '@bnkit/core';

/** Throws unless `value` is an integer >= min; returns it. */
export function intAtLeast(value: number, min: number, what: string): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${what} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Accepts `n` or `[h, w]` and returns `[h, w]`, each an integer >= min. */
export function pairOf(value: number | readonly [number, number], min: number, what: string): readonly [number, number] {
  const p = typeof value === 'number' ? ([value, value] as const) : value;
  if (!Array.isArray(p) || p.length !== 2) {
    throw new InvalidArgumentError(`${what} must be an integer or a pair [h, w], got ${JSON.stringify(value)}`);
  }
  return [intAtLeast(p[0], min, `${what}[0]`), intAtLeast(p[1], min, `${what}[1]`)];
}

/** Returns `value` if it is a boolean, `fallback` if undefined; throws otherwise (a typo like 'false' must not pass). */
export function booleanOr(value: unknown, fallback: boolean, what: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${what} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}
