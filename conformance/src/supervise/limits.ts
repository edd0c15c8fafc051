import type { CheckDefinition, RunSettings } from '../checks/types.js';
import { DEFAULT_NUM_RUNS } from '../defaults.js';

/*
 * The limits a supervised run puts on the backend under test. They are the only load-dependent part of a
 * verdict (a check that passes in time gives the same verdict anywhere), so they are generous: a timeout
 * is for a backend that never answers, not for a slow one.
 */

/** --timeout: seconds per unit of work, the work of a check at the default run count (and of opening, closing). */
export const DEFAULT_TIMEOUT_S = 600;
/** --memory-limit: megabytes the backend's process may use, as V8 heap and as resident memory. */
export const DEFAULT_MEMORY_LIMIT_MB = 8192;
/** The smallest --memory-limit: below it Node and the suite themselves do not fit. */
export const MIN_MEMORY_LIMIT_MB = 64;

/** A check's work in units: its own estimate, else its property runs over the default run count (at least 1). */
export function workOf(check: CheckDefinition, settings: RunSettings): number {
  return check.work?.(settings) ?? Math.max(1, settings.numRuns / DEFAULT_NUM_RUNS);
}

/** How long one check may take before it is stopped as hung. */
export function checkLimitMs(check: CheckDefinition, settings: RunSettings, timeoutS: number): number {
  return timeoutS * 1000 * workOf(check, settings);
}
