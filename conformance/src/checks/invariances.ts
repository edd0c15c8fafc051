import { batchNormLayout } from '@bnkit/core';
import fc from 'fast-check';
import { attrsOf, bnCase, materialise, type BnCase } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { trainForwardScales } from '../error-model.js';
import { batchNormTrain64, channelStats } from '../reference/batchnorm.js';
import { withScope, type TensorScope } from '../scope.js';
import { compareWithin, type Deviation } from '../tolerance.js';
import { train } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/**
 * Training BN(c·x + d) = BN(x) for c > 0. Exactly, eps scales too: y' − beta = (y − beta)·sqrt((v + eps) /
 * (v + eps/c²)), with v the channel's biased variance. But the backend receives c·x + d rounded to float32,
 * x', not c·x + d; the expectation adds the effect of that rounding, measured on the float64 reference
 * (BN64(x') − BN64(c·x + d)), so a perfect float32 backend can never fail. Each of the backend's two outputs
 * may carry its own float32 error: the allowance is the sum of both scales.
 */
async function affineInvariance(scope: TensorScope, c: BnCase, scale: number, shift: number): Promise<Deviation> {
  const d = materialise(c);
  const attrs = attrsOf(c);
  const { channels, inner } = batchNormLayout(c.shape, c.axis);
  const y = (await train(scope, d.x, c.shape, d, attrs)).y;
  const exact = Float64Array.from(d.x, (v) => scale * v + shift);
  const received = Float32Array.from(exact);
  const yMoved = (await train(scope, received, c.shape, d, attrs)).y;
  const rounding = batchNormTrain64(received, c.shape, d, attrs).y;
  const unrounded = batchNormTrain64(exact, c.shape, d, attrs).y;
  const v = channelStats(d.x, c.shape, c.axis).biasedVar;
  const factor = (ch: number) => Math.sqrt((v[ch] + c.eps) / (v[ch] + c.eps / scale ** 2));
  const expected = Float64Array.from(y, (yi, i) => {
    const ch = Math.floor(i / inner) % channels;
    return d.beta[ch] + (yi - d.beta[ch]) * factor(ch) + (rounding[i] - unrounded[i]);
  });
  const before = trainForwardScales(d.x, c.shape, d, attrs).y;
  const after = trainForwardScales(received, c.shape, d, attrs).y;
  const allowance = Float64Array.from(before, (b, i) => b * factor(Math.floor(i / inner) % channels) + after[i]);
  return compareWithin(`BN(${scale}·x + ${shift}) vs BN(x)`, yMoved, expected, allowance);
}

/**
 * Statistics of shards along axis 0, merged (Chan's parallel formula: counts, means and variances recovered
 * from the returned invStd), equal the statistics of the whole batch: the basis of synchronised BN. The
 * allowance carries each shard's float32 errors through the merge: a mean's δμ, and the variance
 * 1/invStd² − eps, whose relative error is twice invStd's.
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

  const shards: { n: number; mean: Float32Array; variance: Float64Array; meanScale: Float64Array; varianceScale: Float64Array }[] = [];
  let start = 0;
  for (const size of sizes) {
    const part = d.x.slice(start * sampleSize, (start + size) * sampleSize);
    const partShape = [size, ...shape.slice(1)];
    const r = await train(scope, part, partShape, d, attrs);
    const scale = trainForwardScales(part, partShape, d, attrs);
    const variance = Float64Array.from(r.invStd, (s) => 1 / (s * s) - c.eps);
    shards.push({
      n: size * perSample,
      mean: r.mean,
      variance,
      meanScale: scale.mean,
      varianceScale: Float64Array.from(r.invStd, (s, ch) => (2 * (scale.invStd[ch] / s)) / (s * s)),
    });
    start += size;
  }
  const total = shape[0] * perSample;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  const meanScale = new Float64Array(channels);
  const varianceScale = new Float64Array(channels);
  for (const s of shards) {
    for (let ch = 0; ch < channels; ch++) {
      mean[ch] += (s.n * s.mean[ch]) / total;
      meanScale[ch] += (s.n * s.meanScale[ch]) / total;
    }
  }
  for (const s of shards) {
    for (let ch = 0; ch < channels; ch++) {
      const offset = s.mean[ch] - mean[ch];
      variance[ch] += (s.n * (s.variance[ch] + offset ** 2)) / total;
      varianceScale[ch] += (s.n * (s.varianceScale[ch] + 2 * Math.abs(offset) * (s.meanScale[ch] + meanScale[ch]))) / total;
    }
  }
  const ref = channelStats(d.x, shape, c.axis);
  const invStd = variance.map((v) => 1 / Math.sqrt(v + c.eps));
  return [
    compareWithin('merged shard mean vs whole-batch mean', mean, ref.mean, meanScale),
    compareWithin(
      'merged shard invStd vs whole-batch invStd',
      invStd,
      ref.biasedVar.map((v) => 1 / Math.sqrt(v + c.eps)),
      // 1/sqrt(V + eps) has half V's relative error.
      invStd.map((s, ch) => 0.5 * s * s * s * varianceScale[ch] + s),
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
