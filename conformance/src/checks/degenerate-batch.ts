import { batchNormLayout, mulberry32 } from '@bnkit/core';
import fc from 'fast-check';
import { attrsOf, bnCase, channelsOf, materialise, type BnCase } from '../arbitraries.js';
import { errorCode } from '../kernel-errors.js';
import { BehaviourViolated, checkProperty } from '../property.js';
import { batchNormTrain64, batchNormTrainBackward64 } from '../reference/batchnorm.js';
import { withScope, type TensorScope } from '../scope.js';
import { trainBackwardScales, trainForwardScales } from '../error-model.js';
import { compareWithin, type Deviation } from '../tolerance.js';
import { train, trainWithGradients } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/** Same case with every non-channel axis of extent 1: one value per channel. */
function oneValuePerChannel(c: BnCase): BnCase {
  const { axis } = batchNormLayout(c.shape, c.axis);
  return { ...c, shape: c.shape.map((d, i) => (i === axis ? d : 1)) };
}

async function expectDegenerateBatchError(scope: TensorScope, c: BnCase): Promise<void> {
  const d = materialise(c);
  try {
    await train(scope, d.x, c.shape, d, attrsOf(c));
  } catch (e) {
    if (errorCode(e) === 'DEGENERATE_BATCH') return;
    throw new BehaviourViolated(`one value per channel (shape [${c.shape.join(', ')}]) raised ${String(e)} instead of DegenerateBatchError`);
  }
  throw new BehaviourViolated(`one value per channel (shape [${c.shape.join(', ')}]) trained without DegenerateBatchError`);
}

/**
 * Identical samples [N, C] with identical upstream gradients: every channel is constant, so y must be beta
 * (finite) and dx zero. Values are multiples of 1/8, so sums are exact in float32; the allowance is the
 * error model's (a mean computed as sum·(1/n) may still be off by an ulp, which 1/sqrt(eps) magnifies).
 */
async function constantChannels(scope: TensorScope, c: BnCase, samples: number): Promise<Deviation[]> {
  const channels = channelsOf(c);
  const next = mulberry32(c.dataSeed);
  const dyadic = () => Math.round(next() * 64 - 32) / 8;
  const row = Array.from({ length: channels }, dyadic);
  const dyRow = Array.from({ length: channels }, dyadic);
  const shape = [samples, channels];
  const x = Float32Array.from({ length: samples * channels }, (_, i) => row[i % channels]);
  const dy = Float32Array.from({ length: samples * channels }, (_, i) => dyRow[i % channels]);
  const d = materialise(c);
  const r = await trainWithGradients(scope, x, dy, shape, d, { ...attrsOf(c), axis: 1 });
  const beta = Float32Array.from({ length: x.length }, (_, i) => d.beta[i % channels]);
  const attrs = { ...attrsOf(c), axis: 1 };
  return [
    compareWithin('constant channel: y vs beta', r.y, beta, trainForwardScales(x, shape, d, attrs).y),
    compareWithin('constant channel: dx vs 0', r.dx, new Float32Array(x.length), trainBackwardScales(x, dy, shape, d.gamma, attrs).dx),
  ];
}

/** N = 1 with spatial extent > 1 is a legal training batch and must match the reference. */
async function singleSampleWithSpatialExtent(scope: TensorScope, c: BnCase): Promise<Deviation[]> {
  const shape = [1, c.shape[1], ...c.shape.slice(2).map((s) => s + 1)];
  const s: BnCase = { ...c, shape, axis: 1 };
  const d = materialise(s);
  const attrs = attrsOf(s);
  const r = await trainWithGradients(scope, d.x, d.dy, shape, d, attrs);
  const ref = batchNormTrain64(d.x, shape, d, attrs);
  const refGrad = batchNormTrainBackward64(d.x, d.dy, shape, d.gamma, attrs);
  const scale = trainForwardScales(d.x, shape, d, attrs);
  return [
    compareWithin('N=1 spatial: y', r.y, ref.y, scale.y),
    compareWithin('N=1 spatial: dx', r.dx, refGrad.dx, trainBackwardScales(d.x, d.dy, shape, d.gamma, attrs).dx),
    compareWithin('N=1 spatial: runningVar', r.runningVar, ref.runningVar, scale.runningVar),
  ];
}

/**
 * Check 3. One value per channel in training → DegenerateBatchError; a constant channel → y == beta, finite,
 * dx ≈ 0; a single sample with spatial extent trains normally.
 */
export const degenerateBatch: CheckDefinition = {
  id: 'batch-size-1',
  number: 3,
  title: 'batch-size-1 degeneracy (DegenerateBatchError, constant channel, N=1 with spatial extent)',
  run: (ctx) =>
    checkProperty(
      ctx,
      fc.tuple(bnCase({ minRank: 3 }), fc.integer({ min: 2, max: 8 })),
      ([c, samples]) =>
        withScope(ctx.backend, async (scope) => {
          await expectDegenerateBatchError(scope, oneValuePerChannel(c));
          return [...(await constantChannels(scope, c, samples)), ...(await singleSampleWithSpatialExtent(scope, c))];
        }),
    ),
};
