import type { CaseResult, CheckResult, Counts } from './types.js';
import { isFailure } from './types.js';

type Tally = Counts['checks'];

function tally(items: readonly { status: CheckResult['status'] }[]): Tally {
  const count = (s: CheckResult['status']) => items.filter((i) => i.status === s).length;
  return { total: items.length, passed: count('pass'), failed: count('fail'), skipped: count('skip'), notImplemented: count('not-implemented') };
}

/**
 * Counts of checks, fixtures (the golden-fixture cases) and property runs, and the overall verdict: no
 * failure, and at least one check that passed (a run in which every check was skipped checked nothing).
 */
export function summarise(checks: readonly CheckResult[]): { counts: Counts; partial: boolean; ok: boolean } {
  const cases: CaseResult[] = checks.flatMap((c) => c.cases ?? []);
  return {
    counts: { checks: tally(checks), fixtures: tally(cases), propertyRuns: checks.reduce((n, c) => n + c.propertyRuns, 0) },
    partial: checks.some((c) => c.partial === true),
    ok: checks.some((c) => c.status === 'pass') && !checks.some((c) => isFailure(c.status)) && !cases.some((c) => isFailure(c.status)),
  };
}
