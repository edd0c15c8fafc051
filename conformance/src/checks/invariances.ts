import { batchNormLayout } from '@bnkit/core';
import fc from 'fast-check';
import { attrsOf, bnCase, materialise, type BnCase } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { channelStats } from '../reference/batchnorm.js';
import { withScope, type TensorScope } from '../scope.js';
import { compareArrays, compareScaled, FLOAT32_VS_REFERENCE, type Deviation } from '../tolerance.js';
import { train } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/**
 * Training BN(c·x + d) = BN(x) for c > 0. Exactly, eps scales too: y' − beta = (y − beta)·sqrt((v + eps) /
 * (v + eps/c²)), with v the channel's biased variance; the check uses that factor so it holds for every eps.
 */
async function affineInvariance(scope: TensorScope, c: BnCase, scale: number, shift: number): Promise<Deviation> {
  const d = materialise(c);
  const attrs = attrsOf(c);
  const { channels, inner } = batchNormLayout(c.shape, c.axis);
  const y = (await train(scope, d.x, c.shape, d, attrs)).y;
  const moved = d.x.map((v) => scale * v + shift);
  const yMoved = (await train(scope, moved, c.shape, d, attrs)).y;
  const v = channelStats(d.x, c.shape, c.axis).biasedVar;
  const expected = Float64Array.from(y, (yi, i) => {
    const ch = Math.floor(i / inner) % channels;
    return d.beta[ch] + (yi - d.beta[ch]) * Math.sqrt((v[ch] + c.eps) / (v[ch] + c.eps / scale ** 2));
  });
  return compareScaled(`BN(${scale}·x + ${shift}) vs BN(x)`, yMoved, expected, FLOAT32_VS_REFERENCE);
}

/**
 * Statistics of shards along axis 0, merged (Chan's parallel formula: counts, means and variances recovered
 * from the returned invStd), equal the statistics of the whole batch: the basis of synchronised BN.
 */
async function shardMerge(scope: TensorScope, c: BnCase, shardSizes: readonly number[]): Promise<Deviation[]> {
  const { channels, count } = batchNormLayout(c.shape, c.axis);
  const perSample = count / c.shape[0];
  const sizes = shardSizes.map((s) => (s * perSample < 2 ? 2 : s));
  const shape = [sizes.reduce((a, b) => a + b, 0), ...c.shape.slice(1)];
  const whole: BnCase = { ...c, shape };
  const d = materialise(whole);
  const attrs = attrsOf(whole);
  const sampleSize = d.x.length / shape[0];

  const shards: { n: number; mean: Float32Array; variance: Float64Array }[] = [];
  let start = 0;
  for (const size of sizes) {
    const part = d.x.slice(start * sampleSize, (start + size) * sampleSize);
    const r = await train(scope, part, [size, ...shape.slice(1)], d, attrs);
    shards.push({ n: size * perSample, mean: r.mean, variance: Float64Array.from(r.invStd, (s) => 1 / (s * s) - c.eps) });
    start += size;
  }
  const total = shape[0] * perSample;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (const s of shards) for (let ch = 0; ch < channels; ch++) mean[ch] += (s.n * s.mean[ch]) / total;
  for (const s of shards) {
    for (let ch = 0; ch < channels; ch++) variance[ch] += (s.n * (s.variance[ch] + (s.mean[ch] - mean[ch]) ** 2)) / total;
  }
  const ref = channelStats(d.x, shape, c.axis);
  return [
    compareScaled('merged shard mean vs whole-batch mean', mean, ref.mean, FLOAT32_VS_REFERENCE),
    compareArrays(
      'merged shard invStd vs whole-batch invStd',
      variance.map((v) => 1 / Math.sqrt(v + c.eps)),
      ref.biasedVar.map((v) => 1 / Math.sqrt(v + c.eps)),
      { rtol: 1e-3, atol: 0 },
    ),
  ];
}

/** Check 7. Scale-and-shift invariance and merged shard statistics. */
export const invariances: CheckDefinition = {
  id: 'invariances',
  number: 7,
  title: 'invariances: BN(c·x+d) = BN(x) for c > 0; merged shard statistics = whole-batch statistics',
  run: (ctx) =>
    checkProperty(
      ctx,
      fc.tuple(
        bnCase({ batchAxisFirst: true }),
        fc.constantFrom(0.25, 0.5, 2, 4),
        fc.constantFrom(-5, 0, 5),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }),
      ),
      ([c, scale, shift, shardSizes]) =>
        withScope(ctx.backend, async (scope) => [await affineInvariance(scope, c, scale, shift), ...(await shardMerge(scope, c, shardSizes))]),
    ),
};
