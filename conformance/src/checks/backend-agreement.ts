import { missingKernels } from '@bnkit/core';
import { attrsOf, bnCase, materialise } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { withScope } from '../scope.js';
import { evalBackwardScales, evalForwardScales, trainBackwardScales, trainForwardScales } from '../error-model.js';
import { compareWithin, TWO_FLOAT32_RESULTS, worstOf } from '../tolerance.js';
import { evalGradients, evaluate, trainWithGradients } from './bn-calls.js';
import { backendTs } from '../optional.js';
import { compareTrainingOutputs, runTrainingCase, trainingCase } from './training-agreement.js';
import { missingKernelStatus, type CheckContext, type CheckDefinition, type CheckOutcome } from './types.js';

/**
 * Every BatchNorm kernel on random inputs, against the reference: two float32 results, each within the error
 * model's budget of the truth (error-model.ts), so they may differ by twice it.
 */
async function batchNormPart(ctx: CheckContext): Promise<CheckOutcome> {
  const reference = await ctx.referenceBackend();
  return checkProperty(ctx, bnCase(), async (c) => {
    const d = materialise(c);
    const attrs = attrsOf(c);
    const run = (backend: typeof reference) =>
      withScope(backend, async (scope) => ({
        ...(await trainWithGradients(scope, d.x, d.dy, c.shape, d, attrs)),
        yEval: await evaluate(scope, d.x, c.shape, d, attrs),
        evalGrads: await evalGradients(scope, d.x, d.dy, c.shape, d, attrs),
      }));
    const mine = await run(ctx.backend);
    const theirs = await run(reference);
    const scale = {
      ...trainForwardScales(d.x, c.shape, d, attrs),
      ...trainBackwardScales(d.x, d.dy, c.shape, d.gamma, attrs),
      yEval: evalForwardScales(d.x, c.shape, d, attrs),
    };
    const evalScale = evalBackwardScales(d.x, d.dy, c.shape, d, attrs);
    const outputs = ['y', 'runningMean', 'runningVar', 'mean', 'invStd', 'dx', 'dgamma', 'dbeta', 'yEval'] as const;
    return [
      ...outputs.map((k) => compareWithin(k, mine[k], theirs[k], scale[k], TWO_FLOAT32_RESULTS)),
      ...(['dx', 'dgamma', 'dbeta'] as const).map((k) => compareWithin(`eval ${k}`, mine.evalGrads[k], theirs.evalGrads[k], evalScale[k], TWO_FLOAT32_RESULTS)),
    ];
  });
}

/** Every training kernel on small random cases with boundary values, against the reference. */
async function trainingPart(ctx: CheckContext): Promise<CheckOutcome> {
  const reference = await ctx.referenceBackend();
  return checkProperty(ctx, trainingCase(), async (c) => {
    const mine = await withScope(ctx.backend, (scope) => runTrainingCase(scope, c));
    const theirs = await withScope(reference, (scope) => runTrainingCase(scope, c));
    return compareTrainingOutputs(c, mine, theirs);
  });
}

/** One outcome for both parts: the first that did not pass decides, else a pass with the worst deviation of both. */
function combine(bn: CheckOutcome, training: CheckOutcome | { skipped: string }): CheckOutcome {
  if ('skipped' in training) return bn.status === 'pass' ? { ...bn, message: [bn.message, training.skipped].filter(Boolean).join('; ') } : bn;
  const runs = (bn.propertyRuns ?? 0) + (training.propertyRuns ?? 0);
  if (bn.status !== 'pass') return { ...bn, propertyRuns: runs };
  if (training.status !== 'pass') return { ...training, message: `training kernels: ${training.message ?? training.status}`, propertyRuns: runs };
  const worst = worstOf([bn.worst, training.worst].filter((d) => d !== undefined));
  const message = [bn.message, training.message].filter(Boolean).join('; ');
  return { status: 'pass', propertyRuns: runs, ...(worst ? { worst } : {}), ...(message ? { message } : {}) };
}

/**
 * Check 9. Random inputs through every BatchNorm kernel, and every training kernel the backend has, on this
 * backend and on the TypeScript reference backend (@bnkit/backend-ts); every output must agree. The reference
 * compared with itself would agree by construction, so for it the check is SKIPPED rather than passed.
 */
export const backendAgreement: CheckDefinition = {
  id: 'backend-agreement',
  number: 9,
  title: 'agreement with the TypeScript reference backend on random inputs',
  async run(ctx) {
    if ((await backendTs('check 9 (agreement with the TypeScript reference backend)')).isTsBackend(ctx.backend)) {
      return { status: 'skip', message: 'this is the TypeScript reference backend itself: agreement with itself proves nothing' };
    }
    const reference = await ctx.referenceBackend();
    const lacking = [...missingKernels(reference, 'batchNorm'), ...missingKernels(reference, 'training')];
    if (lacking.length > 0) return { status: 'skip', message: `the reference backend '${reference.name}' lacks ${lacking.join(', ')}` };
    const bn = await batchNormPart(ctx);
    const missing = missingKernels(ctx.backend, 'training');
    if (missing.length === 0) return combine(bn, await trainingPart(ctx));
    if (missingKernelStatus('training', ctx.requiredGroups) !== 'skip') {
      return bn.status === 'pass' ? { ...bn, status: 'not-implemented', message: `not implemented: ${missing.join(', ')}` } : bn;
    }
    return combine(bn, { skipped: `training kernels skipped (not implemented: ${missing.join(', ')})` });
  },
};
