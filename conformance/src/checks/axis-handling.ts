import { batchNormLayout } from '@bnkit/core';
import { attrsOf, bnCase, materialise } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { batchNormTrain64 } from '../reference/batchnorm.js';
import { inversePermutation, moveAxisPermutation, transpose } from '../reference/transpose.js';
import { withScope } from '../scope.js';
import { trainForwardScales } from '../error-model.js';
import { compareWithin, TWO_FLOAT32_RESULTS } from '../tolerance.js';
import { train } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/**
 * Check 2. For any rank and any (possibly negative) channel axis: the output matches the float64 reference;
 * BN along axis a equals moving a to position 1, BN along 1, and moving it back; and changing the data of
 * one channel leaves every other channel's output untouched.
 */
export const axisHandling: CheckDefinition = {
  id: 'axis-handling',
  number: 2,
  title: 'per-channel axis handling (any axis, transpose equivalence, no channel mixing)',
  run: (ctx) =>
    checkProperty(ctx, bnCase(), (c) =>
      withScope(ctx.backend, async (scope) => {
        const d = materialise(c);
        const attrs = attrsOf(c);
        const { axis, channels, inner } = batchNormLayout(c.shape, c.axis);
        const direct = await train(scope, d.x, c.shape, d, attrs);
        const ref = batchNormTrain64(d.x, c.shape, d, attrs);

        const perm = moveAxisPermutation(c.shape.length, axis, 1);
        const moved = transpose(d.x, c.shape, perm);
        const viaAxis1 = await train(scope, moved.data, moved.shape, d, { ...attrs, axis: 1 });
        const back = transpose(viaAxis1.y, moved.shape, inversePermutation(perm));

        // Rewrite channel 0 only (scaled and shifted): every other channel must come out the same.
        const x2 = d.x.slice();
        for (let i = 0; i < x2.length; i++) if (Math.floor(i / inner) % channels === 0) x2[i] = 3 * x2[i] + 5;
        const touched = await train(scope, x2, c.shape, d, attrs);
        const untouched = (y: ArrayLike<number>) => Array.prototype.filter.call(y, (_: number, i: number) => Math.floor(i / inner) % channels !== 0) as number[];

        const scale = trainForwardScales(d.x, c.shape, d, attrs);
        return [
          compareWithin('y vs reference', direct.y, ref.y, scale.y),
          compareWithin('mean vs reference', direct.mean, ref.mean, scale.mean),
          compareWithin('invStd vs reference', direct.invStd, ref.invStd, scale.invStd),
          compareWithin('runningMean vs reference', direct.runningMean, ref.runningMean, scale.runningMean),
          compareWithin('runningVar vs reference', direct.runningVar, ref.runningVar, scale.runningVar),
          compareWithin('y(axis a) vs transpose·y(axis 1)·transpose', direct.y, back.data, scale.y, TWO_FLOAT32_RESULTS),
          compareWithin('runningVar(axis a) vs runningVar(axis 1)', direct.runningVar, viaAxis1.runningVar, scale.runningVar, TWO_FLOAT32_RESULTS),
          compareWithin('other channels after changing channel 0', untouched(touched.y), untouched(direct.y), untouched(scale.y), TWO_FLOAT32_RESULTS),
        ];
      }),
    ),
};
