import fc from 'fast-check';
import { attrsOf, bnCase, materialise } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { batchNormEval64 } from '../reference/batchnorm.js';
import { withScope } from '../scope.js';
import { evalForwardScales } from '../error-model.js';
import { compareArrays, compareWithin, EXACT, TWO_FLOAT32_RESULTS } from '../tolerance.js';
import { channelTensors, evaluate } from './bn-calls.js';
import type { CheckDefinition } from './types.js';

/**
 * Check 5. Eval mode repeats bit for bit; a sample's output is the same alone, in the batch, and beside
 * different neighbours (so eval never uses batch statistics); the running statistics are not modified; and
 * the output matches the float64 reference with the running statistics.
 */
export const evalDeterminism: CheckDefinition = {
  id: 'eval-determinism',
  number: 5,
  title: 'eval-mode determinism (bit-identical repeats, sample independence, running stats unchanged)',
  run: (ctx) =>
    checkProperty(ctx, fc.tuple(bnCase({ batchAxisFirst: true }), fc.nat()), ([c, pick]) =>
      withScope(ctx.backend, async (scope) => {
        const d = materialise(c);
        const attrs = attrsOf(c);
        const batch = c.shape[0];
        const sampleSize = d.x.length / batch;
        const s = pick % batch;
        const sample = <T extends Float32Array | Float64Array>(v: T): T => v.slice(s * sampleSize, (s + 1) * sampleSize) as T;

        const inputs = { x: scope.upload(d.x, c.shape), ...channelTensors(scope, d) };
        const first = Float32Array.from(await scope.read(scope.track(await scope.backend.batchNormEval(inputs, attrs))));
        const second = Float32Array.from(await scope.read(scope.track(await scope.backend.batchNormEval(inputs, attrs))));

        const alone = await evaluate(scope, sample(d.x), [1, ...c.shape.slice(1)], d, attrs);
        const neighbours = d.x.map((v, i) => (Math.floor(i / sampleSize) === s ? v : 4 * v - 7));
        const besideOthers = await evaluate(scope, neighbours, c.shape, d, attrs);

        // A sample's output in another batch: the same per-element formula, perhaps vectorised differently.
        const scale = evalForwardScales(d.x, c.shape, d, attrs);
        return [
          compareArrays('repeat vs first call', second, first, EXACT),
          compareWithin(`sample ${s} alone vs in the batch`, alone, sample(first), sample(scale), TWO_FLOAT32_RESULTS),
          compareWithin(`sample ${s} beside other samples`, sample(besideOthers), sample(first), sample(scale), TWO_FLOAT32_RESULTS),
          compareArrays('runningMean after eval', await scope.read(inputs.runningMean), d.runningMean, EXACT),
          compareArrays('runningVar after eval', await scope.read(inputs.runningVar), d.runningVar, EXACT),
          compareWithin('y vs reference', first, batchNormEval64(d.x, c.shape, d, attrs), scale),
        ];
      }),
    ),
};
