import { runnerFor } from '../fixtures/ops/index.js';
import type { Fixture, HostTensor, LoadedFixture, TensorJson } from '../fixtures/types.js';
import { groupOfKernel, messageOf, missingKernelOf } from '../kernel-errors.js';
import { OptionalPeerMissingError } from '../optional.js';
import type { CaseResult, Status } from '../report/types.js';
import { withScope } from '../scope.js';
import { compareArrays, formatDeviation, worstOf, type Deviation } from '../tolerance.js';
import { missingKernelStatus, type CheckContext, type CheckDefinition } from './types.js';

function isTensorJson(v: unknown): v is TensorJson {
  return typeof v === 'object' && v !== null && Array.isArray((v as TensorJson).shape) && Array.isArray((v as TensorJson).data);
}

/** Expected tensors by path: 'y', or 'firstStep.grad.conv1.weight' for nested expectations. */
export function expectedTensors(expected: Fixture['expected'], prefix = ''): [string, TensorJson][] {
  return Object.entries(expected).flatMap(([k, v]): [string, TensorJson][] =>
    isTensorJson(v) ? [[prefix + k, v]] : typeof v === 'object' && v !== null ? expectedTensors(v as Fixture['expected'], `${prefix}${k}.`) : [],
  );
}

function compareOutputs(fixture: Fixture, actual: Record<string, HostTensor>): Deviation[] {
  return expectedTensors(fixture.expected).map(([path, want]): Deviation => {
    const got = actual[path];
    if (!got) return { error: Infinity, allowed: 0, ratio: Infinity, where: `${path}: not computed by the '${fixture.op}' runner` };
    if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
      return { error: Infinity, allowed: 0, ratio: Infinity, where: `${path}: shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]` };
    }
    return compareArrays(path, got.data, want.data, fixture.tolerance);
  });
}

/** Runs one fixture case through its op's runner and compares every expected tensor within its tolerance. */
export async function runCase(ctx: CheckContext, { fixture, file }: LoadedFixture): Promise<CaseResult> {
  const started = performance.now();
  const done = (status: Status, rest: Partial<CaseResult> = {}): CaseResult => ({ id: fixture.id, status, file, durationMs: performance.now() - started, ...rest });
  const runner = runnerFor(fixture.op);
  if (!runner) return done('skip', { message: `no runner for op '${fixture.op}' in this version of the suite` });
  try {
    const outputs = await withScope(ctx.backend, (scope) => runner.run(scope, fixture));
    const worst = worstOf(compareOutputs(fixture, outputs));
    if (worst && worst.ratio > 1) return done('fail', { worst, message: `out of tolerance: ${formatDeviation(worst)}` });
    return done('pass', { worst });
  } catch (e) {
    if (e instanceof OptionalPeerMissingError) return done('skip', { message: e.message });
    const kernel = missingKernelOf(e);
    if (kernel !== undefined) return done(missingKernelStatus(groupOfKernel(kernel), ctx.requiredGroups), { message: `not implemented: ${kernel}` });
    return done('fail', { message: messageOf(e) });
  }
}

/** The check's own status from its cases: any FAIL fails it, else any NOT IMPLEMENTED, else PASS unless all skipped. */
function summarise(cases: readonly CaseResult[]): Status {
  if (cases.some((c) => c.status === 'fail')) return 'fail';
  if (cases.some((c) => c.status === 'not-implemented')) return 'not-implemented';
  return cases.some((c) => c.status === 'pass') ? 'pass' : 'skip';
}

function selected(ctx: Pick<CheckContext, 'fixtures'>, filter: string | undefined): readonly LoadedFixture[] {
  if (!filter || goldenFixtures.id.includes(filter) || goldenFixtures.title.includes(filter)) return ctx.fixtures;
  return ctx.fixtures.filter((f) => f.fixture.id.includes(filter));
}

/**
 * Check 8. Every fixture of the built-in directories and of each --fixtures directory, reported by id:
 * each expected tensor within the case's stored tolerance. Ops whose kernels the backend lacks are
 * NOT IMPLEMENTED when the profile requires them (training) and SKIP otherwise (bn).
 */
export const goldenFixtures: CheckDefinition = {
  id: 'golden-fixtures',
  number: 8,
  title: 'golden fixtures within their stored tolerance',
  matchesFilter: (filter, ctx) => selected(ctx, filter).length > 0,
  async run(ctx) {
    const cases: CaseResult[] = [];
    for (const f of selected(ctx, ctx.settings.filter)) cases.push(await runCase(ctx, f));
    const status = summarise(cases);
    const failing = cases.filter((c) => c.status === 'fail' || c.status === 'not-implemented');
    return {
      status,
      cases,
      worst: worstOf(cases.flatMap((c) => (c.worst ? [{ ...c.worst, where: `${c.id} ${c.worst.where}` }] : []))),
      message: failing.length > 0 ? `${failing.length} of ${cases.length} fixtures failing: ${failing.map((c) => c.id).join(', ')}` : undefined,
    };
  },
};
