import { missingKernels } from '@bnkit/core';
import { attrsOf, bnCase, materialise } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { withScope } from '../scope.js';
import { compareScaled, type Tolerance } from '../tolerance.js';
import { evalGradients, evaluate, trainWithGradients } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/** Two float32 backends, each within 1e-4 of float64: they may differ by the sum of both errors. */
const TWO_FLOAT32_BACKENDS: Tolerance = { rtol: 2e-4, atol: 2e-4 };

/**
 * Check 9. Random inputs through every BatchNorm kernel of this backend and of the TypeScript reference
 * backend (@bnkit/backend-ts); every output must agree. Run for the TypeScript backend too, where it must
 * agree trivially.
 */
export const backendAgreement: CheckDefinition = {
  id: 'backend-agreement',
  number: 9,
  title: 'agreement with the TypeScript reference backend on random inputs',
  async run(ctx) {
    const reference = await ctx.referenceBackend();
    const lacking = missingKernels(reference, 'batchNorm');
    if (lacking.length > 0) return { status: 'skip', message: `the reference backend '${reference.name}' lacks ${lacking.join(', ')}` };
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
      const outputs = ['y', 'runningMean', 'runningVar', 'mean', 'invStd', 'dx', 'dgamma', 'dbeta', 'yEval'] as const;
      return [
        ...outputs.map((k) => compareScaled(k, mine[k], theirs[k], TWO_FLOAT32_BACKENDS)),
        ...(['dx', 'dgamma', 'dbeta'] as const).map((k) => compareScaled(`eval ${k}`, mine.evalGrads[k], theirs.evalGrads[k], TWO_FLOAT32_BACKENDS)),
      ];
    });
  },
};
