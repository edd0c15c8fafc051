import { batchNormLayout, type BatchNormAttrs, type Shape } from '@bnkit/core';
import fc from 'fast-check';
import { attrsOf, bnCase, channelsOf, materialise, type BnCase, type BnData } from '../arbitraries.js';
import { evalBackwardScales, trainBackwardScales, type GradientScales } from '../error-model.js';
import { checkProperty } from '../property.js';
import { batchNormEval64, batchNormTrain64, channelStats, type Gradients64 } from '../reference/batchnorm.js';
import { centralDifferences, dot } from '../reference/finite-differences.js';
import { withScope, type TensorScope } from '../scope.js';
import { compareWithin, scaleOfError, type Deviation } from '../tolerance.js';
import { channelTensors, evalGradients, type GradientResult } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

type Forward64 = (x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>) => ArrayLike<number>;

interface NumericGradients {
  readonly value: Gradients64;
  /** The finite differences' own error, estimated as |D(h) − D(h/2)| (Richardson): added to the allowance. */
  readonly error: Gradients64;
}

/**
 * Finite-difference gradients of the loss Σ dy·y with respect to x, gamma and beta. x steps by 1e-4 of the
 * length on which the output varies: the channel's eps-regularised standard deviation, of the batch in
 * training and of the running variance in eval.
 */
function numericGradients(d: BnData, shape: Shape, attrs: BatchNormAttrs, forward: Forward64, variance: ArrayLike<number>): NumericGradients {
  const { channels, inner } = batchNormLayout(shape, attrs.axis);
  const spread = Float64Array.from(variance, (v) => Math.sqrt(v + attrs.eps));
  const at = (h: number): Gradients64 => ({
    dx: centralDifferences(d.x, (x) => dot(d.dy, forward(x, d.gamma, d.beta)), (i) => h * spread[Math.floor(i / inner) % channels]),
    dgamma: centralDifferences(d.gamma, (g) => dot(d.dy, forward(d.x, g, d.beta)), (i) => h * Math.max(1, Math.abs(d.gamma[i]))),
    dbeta: centralDifferences(d.beta, (b) => dot(d.dy, forward(d.x, d.gamma, b)), (i) => h * Math.max(1, Math.abs(d.beta[i]))),
  });
  const value = at(1e-4);
  const half = at(5e-5);
  // Twice the gap: Richardson's estimate of a rounding-dominated error is only good to a factor of about 2.
  const gap = (a: Float64Array, b: Float64Array) => a.map((v, i) => 2 * Math.abs(v - b[i]));
  return { value, error: { dx: gap(value.dx, half.dx), dgamma: gap(value.dgamma, half.dgamma), dbeta: gap(value.dbeta, half.dbeta) } };
}

function compareGradients(mode: string, actual: GradientResult, expected: NumericGradients, scale: GradientScales): Deviation[] {
  return (['dx', 'dgamma', 'dbeta'] as const).map((k) =>
    compareWithin(`${mode} ${k}`, actual[k], expected.value[k], scale[k].map((s, i) => s + scaleOfError(expected.error[k][i]))),
  );
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
 * forward in between) and with a given invStd it must use. Shapes are kept small (at most 64 values, any
 * rank up to 5) because every input coordinate costs four reference forward passes.
 */
export const gradients: CheckDefinition = {
  id: 'gradients',
  number: 6,
  title: 'gradients vs central finite differences of a float64 reference',
  run: (ctx) =>
    checkProperty(ctx, fc.tuple(bnCase({ maxDim: 4, maxValues: 64, maxOffset: 3, largeBatches: false }), fc.constantFrom(0.5, 2)), ([c, k]) =>
      withScope(ctx.backend, async (scope) => {
        const d = materialise(c);
        const attrs = attrsOf(c);
        const f = forwards(d, c.shape, attrs);
        const trained = await interleavedTraining(scope, c, d, k);
        const evaluated = await evalGradients(scope, d.x, d.dy, c.shape, d, attrs);
        const numericTrain = numericGradients(d, c.shape, attrs, f.train, channelStats(d.x, c.shape, c.axis).biasedVar);
        const trainScale = trainBackwardScales(d.x, d.dy, c.shape, d.gamma, attrs);
        return [
          ...compareGradients('train', trained.grads, numericTrain, trainScale),
          compareWithin(
            `train dgamma with invStd × ${k}`,
            trained.scaledDgamma,
            numericTrain.value.dgamma.map((v) => k * v),
            trainScale.dgamma.map((s, i) => k * (s + scaleOfError(numericTrain.error.dgamma[i]))),
          ),
          ...compareGradients('eval', evaluated, numericGradients(d, c.shape, attrs, f.eval, d.runningVar), evalBackwardScales(d.x, d.dy, c.shape, d, attrs)),
        ];
      }),
    ),
};
