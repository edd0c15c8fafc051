import { describe, expect, it } from 'vitest';
import { batchNormAttrs, type Backend, type BatchNormAttrs, type Tensor } from '@bnkit/core';
import { bnkitFixturesDir, pytorchFixturesDir, readFixtures, worstViolation, type FixtureCase, type FixtureTensor, type FixtureTolerance } from '@bnkit/fixtures';
import createBackend from '../dist/index.js';

/**
 * The golden BatchNorm cases (format `bnkit-fixture/1`, see fixtures/README.md): PyTorch's, and bnkit's own
 * from an independent NumPy float64 implementation (rank 5, axis 0, negative axes on an offset).
 */
type BatchNormFixture = FixtureCase & {
  attrs: Partial<BatchNormAttrs> & { training: boolean };
  inputs: Record<'x' | 'gamma' | 'beta' | 'runningMean' | 'runningVar' | 'dy', FixtureTensor>;
};

const fixtures = readFixtures([pytorchFixturesDir, bnkitFixturesDir]).filter((f) => f.file.startsWith('batchNorm/')) as BatchNormFixture[];

/** Every value within `atol + rtol·|expected|`; reports the worst offender so a failure says where. */
function expectClose(name: string, actual: ArrayLike<number>, expected: FixtureTensor, tol: FixtureTolerance): void {
  expect(actual.length, `${name} length`).toBe(expected.data.length);
  const { ratio, index: i } = worstViolation(actual, expected.data, tol);
  if (ratio > 1) expect.fail(`${name}[${i}] = ${actual[i]}, expected ${expected.data[i]} (atol ${tol.atol}, rtol ${tol.rtol})`);
}

/** Runs a fixture through the forward and backward kernel of its mode and returns every computed tensor. */
async function run(b: Backend, f: BatchNormFixture): Promise<Record<string, Float32Array>> {
  const up = (t: FixtureTensor): Tensor => b.upload(t.data, t.shape);
  const { training, ...rest } = f.attrs;
  const attrs = batchNormAttrs(rest);
  const x = up(f.inputs.x), dy = up(f.inputs.dy), gamma = up(f.inputs.gamma), beta = up(f.inputs.beta);
  const runningMean = up(f.inputs.runningMean), runningVar = up(f.inputs.runningVar);
  const read = async (t: Tensor) => (await b.read(t)) as Float32Array;
  if (training) {
    const fwd = await b.batchNormTrain({ x, gamma, beta, runningMean, runningVar }, attrs);
    const grads = await b.batchNormTrainBackward({ x, dy, gamma, mean: fwd.mean, invStd: fwd.invStd }, attrs);
    return {
      y: await read(fwd.y), runningMean: await read(fwd.runningMean), runningVar: await read(fwd.runningVar),
      dx: await read(grads.dx), dgamma: await read(grads.dgamma), dbeta: await read(grads.dbeta),
    };
  }
  const y = await b.batchNormEval({ x, gamma, beta, runningMean, runningVar }, attrs);
  const grads = await b.batchNormEvalBackward({ x, dy, gamma, runningMean, runningVar }, attrs);
  // Eval leaves the running statistics as they were: the expected ones are the inputs, read back after the calls.
  return {
    y: await read(y), runningMean: await read(runningMean), runningVar: await read(runningVar),
    dx: await read(grads.dx), dgamma: await read(grads.dgamma), dbeta: await read(grads.dbeta),
  };
}

describe('BatchNorm golden fixtures (float64 references)', async () => {
  const b = await createBackend();

  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(23);
    for (const f of fixtures) expect(f.op, f.id).toBe('batchNorm');
  });

  it.each(fixtures.map((f) => [f.id, f] as const))('%s', async (_id, f) => {
    const actual = await run(b, f);
    const keys = Object.keys(f.expected);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(actual, `expected key '${key}' has no computed counterpart`).toHaveProperty(key);
      expectClose(key, actual[key], f.expected[key], f.tolerance);
    }
  });
});
