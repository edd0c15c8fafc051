import { join } from 'node:path';
import { pytorchFixturesDir, readFixtures } from '@bnkit/fixtures';
import { describe, expect, it } from 'vitest';
import { compareArrays, deviation, reference, type Fixture, type TensorJson } from '../dist/index.js';

/*
 * The float64 reference is the oracle of checks 1–7, so it is itself checked against PyTorch: on the
 * batchNorm fixtures two float64 computations on the same float32 inputs agree to the precision the
 * fixtures store (9 significant digits).
 */
const FLOAT64_VS_STORED_FLOAT64 = { rtol: 1e-7, atol: 1e-7 };

const dir = join(pytorchFixturesDir, 'batchNorm');
const cases: [string, Fixture][] = readFixtures([dir]).map((f) => [f.file, f]);

describe('the float64 reference BatchNorm reproduces PyTorch', () => {
  it.each(cases)('%s', (_file, f) => {
    // Inputs are float32 values: the stored decimals round to them, as a backend's upload does.
    const t = (name: string) => Float32Array.from((f.inputs[name] as TensorJson).data);
    const e = (name: string) => (f.expected[name] as TensorJson).data;
    const a = f.attrs as { training: boolean; axis: number; eps: number; momentum: number; runningVar: 'unbiased' | 'biased' };
    const shape = (f.inputs.x as TensorJson).shape;
    const p = { gamma: t('gamma'), beta: t('beta'), runningMean: t('runningMean'), runningVar: t('runningVar') };
    const got = a.training
      ? { ...reference.batchNormTrain64(t('x'), shape, p, a), ...reference.batchNormTrainBackward64(t('x'), t('dy'), shape, t('gamma'), a) }
      : { y: reference.batchNormEval64(t('x'), shape, p, a), runningMean: t('runningMean'), runningVar: t('runningVar'), ...reference.batchNormEvalBackward64(t('x'), t('dy'), shape, p, a) };
    for (const k of ['y', 'runningMean', 'runningVar', 'dx', 'dgamma', 'dbeta'] as const) {
      expect(compareArrays(k, got[k], e(k), FLOAT64_VS_STORED_FLOAT64).ratio, k).toBeLessThanOrEqual(1);
    }
  });
});

describe('the float64 helpers', () => {
  it('central differences recover an analytic gradient', () => {
    const f = (v: Float64Array) => Math.sin(v[0]) * v[1] ** 3;
    const g = reference.centralDifferences([0.7, -1.3], f);
    expect(g[0]).toBeCloseTo(Math.cos(0.7) * (-1.3) ** 3, 8);
    expect(g[1]).toBeCloseTo(Math.sin(0.7) * 3 * 1.3 ** 2, 8);
  });

  it('moving an axis and back is the identity, and moves the data', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i);
    const perm = reference.moveAxisPermutation(3, 2, 1);
    expect(perm).toEqual([0, 2, 1]);
    const moved = reference.transpose(data, [2, 3, 4], perm);
    expect(moved.shape).toEqual([2, 4, 3]);
    expect(moved.data[1]).toBe(4); // [0, 0, 1] of the result is [0, 1, 0] of the input
    expect(reference.transpose(moved.data, moved.shape, reference.inversePermutation(perm)).data).toEqual(data);
  });
});

describe('the tolerance rule', () => {
  it('passes |a − e| <= atol + rtol·|e| and never NaN', () => {
    expect(deviation('v', 1.0001, 1, { rtol: 1e-4, atol: 0 }).ratio).toBeLessThanOrEqual(1 + 1e-9);
    expect(deviation('v', 1.001, 1, { rtol: 1e-4, atol: 0 }).ratio).toBeGreaterThan(1);
    expect(deviation('v', Number.NaN, 1, { rtol: 1, atol: 1 }).ratio).toBe(Infinity);
    expect(deviation('v', Infinity, Infinity, { rtol: 0, atol: 0 }).ratio).toBe(0);
    expect(compareArrays('y', [1, 2], [1, 2, 3], { rtol: 1, atol: 1 }).ratio).toBe(Infinity);
    expect(compareArrays('y', [1, 2.5, 3], [1, 2, 3], { rtol: 0, atol: 0.1 }).where).toBe('y[1]');
  });
});
