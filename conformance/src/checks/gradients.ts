import { batchNormLayout, type BatchNormAttrs, type Shape } from '@bnkit/core';
import { attrsOf, bnCase, materialise, type BnData } from '../arbitraries.js';
import { evalBackwardScales, trainBackwardScales, type GradientScales } from '../error-model.js';
import { checkProperty } from '../property.js';
import { batchNormEval64, batchNormTrain64, channelStats, type Gradients64 } from '../reference/batchnorm.js';
import { centralDifferences, dot } from '../reference/finite-differences.js';
import { withScope } from '../scope.js';
import { compareWithin, type Deviation } from '../tolerance.js';
import { evalGradients, trainWithGradients, type GradientResult } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

type Forward64 = (x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>) => ArrayLike<number>;

/**
 * Finite-difference gradients of the loss Σ dy·y with respect to x, gamma and beta. x steps by 1e-4 of its
 * channel's eps-regularised standard deviation, the length on which the output varies.
 */
function numericGradients(d: BnData, shape: Shape, attrs: BatchNormAttrs, forward: Forward64): Gradients64 {
  const { channels, inner } = batchNormLayout(shape, attrs.axis);
  const spread = channelStats(d.x, shape, attrs.axis).biasedVar.map((v) => Math.sqrt(v + attrs.eps));
  return {
    dx: centralDifferences(d.x, (x) => dot(d.dy, forward(x, d.gamma, d.beta)), (i) => 1e-4 * spread[Math.floor(i / inner) % channels]),
    dgamma: centralDifferences(d.gamma, (g) => dot(d.dy, forward(d.x, g, d.beta))),
    dbeta: centralDifferences(d.beta, (b) => dot(d.dy, forward(d.x, d.gamma, b))),
  };
}

function compareGradients(mode: string, actual: GradientResult, expected: Gradients64, scale: GradientScales): Deviation[] {
  return (['dx', 'dgamma', 'dbeta'] as const).map((k) => compareWithin(`${mode} ${k}`, actual[k], expected[k], scale[k]));
}

function forwards(d: BnData, shape: Shape, attrs: BatchNormAttrs): { train: Forward64; eval: Forward64 } {
  return {
    train: (x, gamma, beta) => batchNormTrain64(x, shape, { ...d, gamma, beta }, attrs).y,
    eval: (x, gamma, beta) => batchNormEval64(x, shape, { ...d, gamma, beta }, attrs),
  };
}

/**
 * Check 6. The training and eval backward kernels against central finite differences of the float64
 * reference forward pass, for the loss Σ dy·y. Shapes are kept small (at most 64 values, any rank up to 5)
 * because every input coordinate costs two reference forward passes.
 */
export const gradients: CheckDefinition = {
  id: 'gradients',
  number: 6,
  title: 'gradients vs central finite differences of a float64 reference',
  run: (ctx) =>
    checkProperty(ctx, bnCase({ maxDim: 4, maxValues: 64, maxOffset: 3, largeBatches: false }), (c) =>
      withScope(ctx.backend, async (scope) => {
        const d = materialise(c);
        const attrs = attrsOf(c);
        const f = forwards(d, c.shape, attrs);
        const trained = await trainWithGradients(scope, d.x, d.dy, c.shape, d, attrs);
        const evaluated = await evalGradients(scope, d.x, d.dy, c.shape, d, attrs);
        return [
          ...compareGradients('train', trained, numericGradients(d, c.shape, attrs, f.train), trainBackwardScales(d.x, d.dy, c.shape, d.gamma, attrs)),
          ...compareGradients('eval', evaluated, numericGradients(d, c.shape, attrs, f.eval), evalBackwardScales(d.x, d.dy, c.shape, d, attrs)),
        ];
      }),
    ),
};
