import type { BatchNormAttrs, Shape } from '@bnkit/core';
import { attrsOf, bnCase, materialise, type BnData } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { batchNormEval64, batchNormTrain64 } from '../reference/batchnorm.js';
import { centralDifferences, dot } from '../reference/finite-differences.js';
import { withScope } from '../scope.js';
import { compareScaled, type Deviation, type Tolerance } from '../tolerance.js';
import { evalGradients, trainWithGradients, type GradientResult } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/** Float32 backward against float64 finite differences (themselves accurate to ~1e-9). */
const GRADIENT: Tolerance = { rtol: 1e-3, atol: 1e-4 };

type Forward64 = (x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>) => ArrayLike<number>;

/** Finite-difference gradients of the loss Σ dy·y with respect to x, gamma and beta. */
function numericGradients(d: BnData, forward: Forward64): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  return {
    dx: centralDifferences(d.x, (x) => dot(d.dy, forward(x, d.gamma, d.beta))),
    dgamma: centralDifferences(d.gamma, (g) => dot(d.dy, forward(d.x, g, d.beta))),
    dbeta: centralDifferences(d.beta, (b) => dot(d.dy, forward(d.x, d.gamma, b))),
  };
}

function compareGradients(mode: string, actual: GradientResult, expected: ReturnType<typeof numericGradients>): Deviation[] {
  return (['dx', 'dgamma', 'dbeta'] as const).map((k) => compareScaled(`${mode} ${k}`, actual[k], expected[k], GRADIENT));
}

function forwards(d: BnData, shape: Shape, attrs: BatchNormAttrs): { train: Forward64; eval: Forward64 } {
  return {
    train: (x, gamma, beta) => batchNormTrain64(x, shape, { ...d, gamma, beta }, attrs).y,
    eval: (x, gamma, beta) => batchNormEval64(x, shape, { ...d, gamma, beta }, attrs),
  };
}

/**
 * Check 6. The training and eval backward kernels against central finite differences of the float64
 * reference forward pass, for the loss Σ dy·y. Shapes are kept small (at most 64 values) because every
 * input coordinate costs two reference forward passes.
 */
export const gradients: CheckDefinition = {
  id: 'gradients',
  number: 6,
  title: 'gradients vs central finite differences of a float64 reference',
  run: (ctx) =>
    checkProperty(ctx, bnCase({ maxRank: 3, maxDim: 4, maxOffset: 3, largeBatches: false }), (c) =>
      withScope(ctx.backend, async (scope) => {
        const d = materialise(c);
        const attrs = attrsOf(c);
        const f = forwards(d, c.shape, attrs);
        const trained = await trainWithGradients(scope, d.x, d.dy, c.shape, d, attrs);
        const evaluated = await evalGradients(scope, d.x, d.dy, c.shape, d, attrs);
        return [
          ...compareGradients('train', trained, numericGradients(d, f.train)),
          ...compareGradients('eval', evaluated, numericGradients(d, f.eval)),
        ];
      }),
    ),
};
