import { attrsOf, bnCase, channelsOf, materialise } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { channelStats } from '../reference/batchnorm.js';
import { withScope } from '../scope.js';
import { deviation, type Deviation } from '../tolerance.js';
import { train } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/**
 * Check 1. With gamma = 1 and beta = 0 the training output has, per channel, mean 0 and biased variance
 * v / (v + eps) (1 when v ≫ eps; the exact value keeps the check honest for every eps drawn, and catches eps
 * added outside the square root).
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
        const { y } = await train(scope, d.x, c.shape, { ...d, ...identity }, attrsOf(c));
        const inStats = channelStats(d.x, c.shape, c.axis);
        const outStats = channelStats(y, c.shape, c.axis);
        const out: Deviation[] = [];
        for (let ch = 0; ch < channels; ch++) {
          const v = inStats.biasedVar[ch];
          out.push(deviation(`mean(y)[${ch}]`, outStats.mean[ch], 0, { rtol: 0, atol: 1e-4 }));
          out.push(deviation(`var(y)[${ch}]`, outStats.biasedVar[ch], v / (v + c.eps), { rtol: 1e-3, atol: 1e-6 }));
        }
        return out;
      }),
    ),
};
