import { missingKernels } from '@bnkit/core';
import fc from 'fast-check';
import { missingKernelStatus, type CheckContext, type CheckOutcome } from './checks/types.js';
import { ReplayPathError } from './errors.js';
import { groupOfKernel, messageOf, missingKernelOf } from './kernel-errors.js';
import { formatDeviation, worstOf, type Deviation } from './tolerance.js';

/** Thrown inside a property when a deviation exceeds its tolerance; carries the worst one. */
export class ToleranceExceeded extends Error {
  constructor(readonly deviation: Deviation) {
    super(`out of tolerance: ${formatDeviation(deviation)}`);
    this.name = 'ToleranceExceeded';
  }
}

/** Thrown inside a property when a behaviour (not a number) is wrong, e.g. an expected error was not raised. */
export class BehaviourViolated extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BehaviourViolated';
  }
}

export interface PropertyOptions<T> {
  /** Inputs always tried first, within numRuns (edge cases that must never be left to chance). */
  readonly examples?: readonly T[];
}

/**
 * Runs one property with the run's seed and numRuns. The predicate returns the deviations it measured; the
 * worst over every run is reported, and a run whose worst ratio exceeds 1 fails the property. On failure the
 * outcome carries the seed, the fast-check path and the shrunk counterexample, which `--seed S --path P`
 * replays. A missing BatchNorm kernel is reported as NOT IMPLEMENTED without running anything.
 */
export async function checkProperty<T>(
  ctx: CheckContext,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<readonly Deviation[]>,
  options: PropertyOptions<T> = {},
): Promise<CheckOutcome> {
  const missing = missingKernels(ctx.backend, 'batchNorm');
  if (missing.length > 0) {
    return { status: 'not-implemented', message: `not implemented: ${missing.join(', ')}` };
  }
  const { seed, numRuns, path, propertyTimeLimitMs } = ctx.settings;
  // Without a budget (the default) every input runs, so the inputs tried depend only on seed and numRuns.
  // An interactive budget is enforced here rather than by fast-check's interruptAfterTimeLimit, which
  // abandons a run still in flight (kernels keep running on the device): past the deadline the remaining
  // inputs are drawn but not run, at least one input always runs, and the result is marked partial.
  const deadline = propertyTimeLimitMs === undefined ? Infinity : performance.now() + propertyTimeLimitMs;
  let executed = 0;
  let skipped = 0;
  let worst: Deviation | undefined;
  const property = fc.asyncProperty(arbitrary, async (value) => {
    if (executed > 0 && performance.now() > deadline) {
      skipped++;
      return;
    }
    executed++;
    const runWorst = worstOf(await predicate(value));
    if (runWorst && runWorst.ratio > 1) throw new ToleranceExceeded(runWorst);
    if (runWorst && (!worst || runWorst.ratio > worst.ratio)) worst = runWorst;
  });
  let details;
  try {
    details = await fc.check(property, {
      seed,
      numRuns,
      ...(path ? { path } : {}),
      ...(options.examples ? { examples: options.examples.map((e) => [e] as [T]) } : {}),
    });
  } catch (e) {
    // fast-check cannot follow a path with more shrink steps than its input has (it throws, synchronously).
    if (path && e instanceof Error && e.message.startsWith('Unable to replay')) throw new ReplayPathError(path, 'it has more shrink steps than the input has');
    throw e;
  }
  // Inputs actually run (shrinking included); fast-check counts the examples among numRuns.
  const propertyRuns = executed;
  if (path) {
    // A replay runs the inputs its path names; when none ran, the path named none.
    if (executed + skipped === 0) throw new ReplayPathError(path, 'no input ran');
  }
  const partial = skipped > 0
    ? { partial: true, message: `partial: the time budget of ${propertyTimeLimitMs} ms ran out after ${executed} of ${numRuns} inputs` }
    : {};
  if (!details.failed) return { status: 'pass', worst, propertyRuns, ...partial };

  const error = details.errorInstance;
  const kernel = missingKernelOf(error);
  if (kernel !== undefined) {
    return { status: missingKernelStatus(groupOfKernel(kernel), ctx.requiredGroups), message: `not implemented: ${kernel}`, propertyRuns };
  }
  return {
    status: 'fail',
    worst: error instanceof ToleranceExceeded ? error.deviation : undefined,
    message: error instanceof ToleranceExceeded || error instanceof BehaviourViolated ? error.message : messageOf(error),
    replay: {
      seed: details.seed,
      path: details.counterexamplePath ?? undefined,
      counterexample: details.counterexample ? JSON.stringify(details.counterexample[0]) : undefined,
    },
    propertyRuns,
    ...(skipped > 0 ? { partial: true } : {}),
  };
}
