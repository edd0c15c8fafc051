import type { BatchNormAttrs, BatchNormGradients, BatchNormTrainOutputs, Shape } from '@bnkit/core';
import type { BnData } from '../arbitraries.js';
import type { TensorScope } from '../scope.js';

/*
 * The BatchNorm kernels called from host data and read back: what most properties need. Every handle goes
 * through the scope, so it is disposed whatever happens.
 */

export interface TrainResult {
  readonly y: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  readonly mean: Float32Array;
  readonly invStd: Float32Array;
}

export interface GradientResult {
  readonly dx: Float32Array;
  readonly dgamma: Float32Array;
  readonly dbeta: Float32Array;
}

type Params = Pick<BnData, 'gamma' | 'beta' | 'runningMean' | 'runningVar'>;

/** The per-channel parameters and running statistics, uploaded. */
export function channelTensors(scope: TensorScope, p: Params) {
  const c = [p.gamma.length];
  return {
    gamma: scope.upload(p.gamma, c),
    beta: scope.upload(p.beta, c),
    runningMean: scope.upload(p.runningMean, c),
    runningVar: scope.upload(p.runningVar, c),
  };
}

async function readF32(scope: TensorScope, t: Parameters<TensorScope['read']>[0]): Promise<Float32Array> {
  return Float32Array.from(await scope.read(t));
}

async function readTrain(scope: TensorScope, fwd: BatchNormTrainOutputs): Promise<TrainResult> {
  return {
    y: await readF32(scope, fwd.y),
    runningMean: await readF32(scope, fwd.runningMean),
    runningVar: await readF32(scope, fwd.runningVar),
    mean: await readF32(scope, fwd.mean),
    invStd: await readF32(scope, fwd.invStd),
  };
}

async function readGradients(scope: TensorScope, g: BatchNormGradients): Promise<GradientResult> {
  return { dx: await readF32(scope, g.dx), dgamma: await readF32(scope, g.dgamma), dbeta: await readF32(scope, g.dbeta) };
}

export async function train(scope: TensorScope, x: Float32Array, shape: Shape, p: Params, attrs: BatchNormAttrs): Promise<TrainResult> {
  const out = scope.track(await scope.backend.batchNormTrain({ x: scope.upload(x, shape), ...channelTensors(scope, p) }, attrs));
  return readTrain(scope, out);
}

/**
 * Another training forward of the same geometry between a forward and its backward, as in a network (forward
 * of layer A, forward of layer B, backward of A): its data and parameters differ from A's, so a backend that
 * keeps the statistics of its last call instead of using the saved mean/invStd it is given gets B's.
 */
async function interveningForward(scope: TensorScope, x: Float32Array, shape: Shape, p: Params, attrs: BatchNormAttrs): Promise<void> {
  const other = Float32Array.from(x, (v, i) => -2 * v + 1 + (i % 3));
  const reversed = (v: Float32Array) => Float32Array.from(v).reverse();
  scope.track(
    await scope.backend.batchNormTrain(
      { x: scope.upload(other, shape), ...channelTensors(scope, { gamma: reversed(p.gamma), beta: reversed(p.beta), runningMean: p.runningMean, runningVar: p.runningVar }) },
      attrs,
    ),
  );
}

/**
 * Training forward then backward with `dy`, the saved mean/invStd passed from forward to backward with
 * another forward call in between (see interveningForward).
 */
export async function trainWithGradients(
  scope: TensorScope, x: Float32Array, dy: Float32Array, shape: Shape, p: Params, attrs: BatchNormAttrs,
): Promise<TrainResult & GradientResult> {
  const xt = scope.upload(x, shape);
  const params = channelTensors(scope, p);
  const fwd = scope.track(await scope.backend.batchNormTrain({ x: xt, ...params }, attrs));
  await interveningForward(scope, x, shape, p, attrs);
  const grads = scope.track(
    await scope.backend.batchNormTrainBackward({ x: xt, dy: scope.upload(dy, shape), gamma: params.gamma, mean: fwd.mean, invStd: fwd.invStd }, attrs),
  );
  return { ...(await readTrain(scope, fwd)), ...(await readGradients(scope, grads)) };
}

export async function evaluate(scope: TensorScope, x: Float32Array, shape: Shape, p: Params, attrs: BatchNormAttrs): Promise<Float32Array> {
  const y = scope.track(await scope.backend.batchNormEval({ x: scope.upload(x, shape), ...channelTensors(scope, p) }, attrs));
  return readF32(scope, y);
}

export async function evalGradients(
  scope: TensorScope, x: Float32Array, dy: Float32Array, shape: Shape, p: Params, attrs: BatchNormAttrs,
): Promise<GradientResult> {
  const params = channelTensors(scope, p);
  const g = scope.track(
    await scope.backend.batchNormEvalBackward(
      { x: scope.upload(x, shape), dy: scope.upload(dy, shape), gamma: params.gamma, runningMean: params.runningMean, runningVar: params.runningVar },
      attrs,
    ),
  );
  return readGradients(scope, g);
}
