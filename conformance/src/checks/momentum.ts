import fc from 'fast-check';
import { attrsOf, bnCase, materialise, type BnCase } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { channelStats, runningVarianceSample } from '../reference/batchnorm.js';
import { withScope } from '../scope.js';
import { chainedRunningScales } from '../error-model.js';
import { compareWithin } from '../tolerance.js';
import { train } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/** Momentum 0 and 1 with both estimators, always run besides the random draws. */
function edgeExamples(): [BnCase, number][] {
  const base: BnCase = { shape: [4, 3, 2], axis: 1, eps: 1e-5, momentum: 0, runningVar: 'unbiased', dataSeed: 7, scale: 1, offset: 3 };
  return [0, 1].flatMap((momentum) =>
    (['unbiased', 'biased'] as const).map((runningVar): [BnCase, number] => [{ ...base, momentum, runningVar }, 3]),
  );
}

/**
 * Check 4. After k identical training calls, each fed the previous call's running statistics,
 * running = m^k·r0 + (1 − m^k)·stat, where stat is the batch mean and the variance under the declared
 * estimator (unbiased n/(n−1) or biased). Catches a flipped momentum convention and a swapped estimator.
 */
export const momentumUpdates: CheckDefinition = {
  id: 'momentum',
  number: 4,
  title: 'momentum updates after k calls (both estimators, momentum 0 and 1)',
  run: (ctx) =>
    checkProperty(
      ctx,
      fc.tuple(bnCase(), fc.integer({ min: 1, max: 4 })),
      ([c, k]) =>
        withScope(ctx.backend, async (scope) => {
          const d = materialise(c);
          const attrs = attrsOf(c);
          let running = { runningMean: d.runningMean, runningVar: d.runningVar };
          for (let i = 0; i < k; i++) {
            const r = await train(scope, d.x, c.shape, { ...d, ...running }, attrs);
            running = { runningMean: r.runningMean, runningVar: r.runningVar };
          }
          const stats = channelStats(d.x, c.shape, c.axis);
          const sampleVar = runningVarianceSample(stats, c.runningVar);
          const keep = c.momentum ** k;
          const scale = chainedRunningScales(d.x, c.shape, d, attrs, k);
          return [
            compareWithin(`runningMean after ${k} calls`, running.runningMean, stats.mean.map((s, ch) => keep * d.runningMean[ch] + (1 - keep) * s), scale.runningMean),
            compareWithin(`runningVar (${c.runningVar}) after ${k} calls`, running.runningVar, sampleVar.map((s, ch) => keep * d.runningVar[ch] + (1 - keep) * s), scale.runningVar),
          ];
        }),
      { examples: edgeExamples() },
    ),
};
