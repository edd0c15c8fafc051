import { attrsOf, bnCase, channelsOf, materialise, type BnCase } from '../arbitraries.js';
import { trainForwardScales } from '../error-model.js';
import { checkProperty } from '../property.js';
import { channelStats, forEachElement } from '../reference/batchnorm.js';
import { withScope } from '../scope.js';
import { deviationWithin, type Deviation } from '../tolerance.js';
import { train } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/**
 * Tiny eps on data whose variance is of the same order (scale² / 3 ≈ 3e-13 and 3e-10), where y's variance
 * v / (v + eps) is far from 1: a backend that clamps eps to a floor, or drops it below some size, gives
 * another value. Always run besides the random draws.
 */
function tinyEpsExamples(): BnCase[] {
  const base: BnCase = { shape: [4, 3, 2], axis: 1, eps: 1e-12, momentum: 0.9, runningVar: 'unbiased', dataSeed: 11, scale: 1e-6, offset: 0 };
  return [base, { ...base, eps: 1e-9, scale: 3e-5, shape: [5, 2, 3], axis: -2 }];
}

/**
 * Check 1. With gamma = 1 and beta = 0 the training output has, per channel, mean 0 and biased variance
 * v / (v + eps) (1 when v ≫ eps; the exact value keeps the check honest for every eps drawn, and catches eps
 * added outside the square root, and eps clamped or dropped when tiny). v is the variance of the float32 x the backend received. The allowance of
 * each statistic is the mean of its elements' allowances (error-model.ts): for the variance, 2·|y|·scale.
 */
export const zeroMeanUnitVariance: CheckDefinition = {
  id: 'zero-mean-unit-variance',
  number: 1,
  title: 'zero mean, unit variance after training BN',
  run: (ctx) =>
    checkProperty(ctx, bnCase(), (c) =>
      withScope(ctx.backend, async (scope) => {
        const d = materialise(c);
        const channels = channelsOf(c);
        const identity = { gamma: new Float32Array(channels).fill(1), beta: new Float32Array(channels) };
        const attrs = attrsOf(c);
        const { y } = await train(scope, d.x, c.shape, { ...d, ...identity }, attrs);
        const inStats = channelStats(d.x, c.shape, c.axis);
        const outStats = channelStats(y, c.shape, c.axis);
        const scale = trainForwardScales(d.x, c.shape, { ...d, ...identity }, attrs).y;
        const meanScale = new Float64Array(channels);
        const varScale = new Float64Array(channels);
        forEachElement(c.shape, c.axis, (ch, i) => {
          meanScale[ch] += scale[i] / inStats.count;
          varScale[ch] += (2 * Math.abs(y[i]) * scale[i]) / inStats.count;
        });
        const out: Deviation[] = [];
        for (let ch = 0; ch < channels; ch++) {
          const v = inStats.biasedVar[ch];
          out.push(deviationWithin(`mean(y)[${ch}]`, outStats.mean[ch], 0, meanScale[ch]));
          out.push(deviationWithin(`var(y)[${ch}]`, outStats.biasedVar[ch], v / (v + c.eps), varScale[ch]));
        }
        return out;
      }),
      { examples: tinyEpsExamples() },
    ),
};
