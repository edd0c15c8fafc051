import type { BatchNormAttrs, Shape } from '@bnkit/core';
import fc from 'fast-check';
import { attrsOf, bnCase, channelsOf, materialise, type BnCase, type BnData } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { batchNormEval64, batchNormTrain64 } from '../reference/batchnorm.js';
import { centralDifferences, dot } from '../reference/finite-differences.js';
import { withScope, type TensorScope } from '../scope.js';
import { compareScaled, type Deviation, type Tolerance } from '../tolerance.js';
import { channelTensors, evalGradients, type GradientResult } from './bn-calls.js';
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

const readF32 = async (scope: TensorScope, t: Parameters<TensorScope['read']>[0]) => Float32Array.from(await scope.read(t));

/**
 * Training forward of the case, then a forward of another batch (as the next BatchNorm layer of a network
 * would run before the backward reaches this one), then the backward of the case with its own saved
 * statistics: a backward must use the mean/invStd it is given, not state left by the latest forward. The
 * backward runs a second time with the saved invStd scaled by `k`, which scales dgamma by k: a backward
 * that recomputes the statistics from x instead of using its inputs gives the unscaled dgamma.
 */
async function interleavedTraining(scope: TensorScope, c: BnCase, d: BnData, k: number): Promise<{ grads: GradientResult; scaledDgamma: Float32Array }> {
  const { backend } = scope;
  const attrs = attrsOf(c);
  const x = scope.upload(d.x, c.shape);
  const params = channelTensors(scope, d);
  const saved = scope.track(await backend.batchNormTrain({ x, ...params }, attrs));
  const other = materialise({ ...c, dataSeed: c.dataSeed ^ 1 });
  scope.track(await backend.batchNormTrain({ x: scope.upload(other.x, c.shape), ...params }, attrs));
  const backward = { x, dy: scope.upload(d.dy, c.shape), gamma: params.gamma, mean: saved.mean };
  const g = scope.track(await backend.batchNormTrainBackward({ ...backward, invStd: saved.invStd }, attrs));
  const scaledInvStd = scope.upload((await readF32(scope, saved.invStd)).map((v) => k * v), [channelsOf(c)]);
  const scaled = scope.track(await backend.batchNormTrainBackward({ ...backward, invStd: scaledInvStd }, attrs));
  return {
    grads: { dx: await readF32(scope, g.dx), dgamma: await readF32(scope, g.dgamma), dbeta: await readF32(scope, g.dbeta) },
    scaledDgamma: await readF32(scope, scaled.dgamma),
  };
}

/**
 * Check 6. The training and eval backward kernels against central finite differences of the float64
 * reference forward pass, for the loss Σ dy·y; the training backward called as in a network (another
 * forward in between) and with a given invStd it must use. Shapes are kept small (at most 64 values)
 * because every input coordinate costs two reference forward passes.
 */
export const gradients: CheckDefinition = {
  id: 'gradients',
  number: 6,
  title: 'gradients vs central finite differences of a float64 reference',
  run: (ctx) =>
    checkProperty(ctx, fc.tuple(bnCase({ maxRank: 3, maxDim: 4, maxOffset: 3, largeBatches: false }), fc.constantFrom(0.5, 2)), ([c, k]) =>
      withScope(ctx.backend, async (scope) => {
        const d = materialise(c);
        const attrs = attrsOf(c);
        const f = forwards(d, c.shape, attrs);
        const trained = await interleavedTraining(scope, c, d, k);
        const evaluated = await evalGradients(scope, d.x, d.dy, c.shape, d, attrs);
        const numericTrain = numericGradients(d, f.train);
        return [
          ...compareGradients('train', trained.grads, numericTrain),
          compareScaled(`train dgamma with invStd × ${k}`, trained.scaledDgamma, numericTrain.dgamma.map((v) => k * v), GRADIENT),
          ...compareGradients('eval', evaluated, numericGradients(d, f.eval)),
        ];
      }),
    ),
};
