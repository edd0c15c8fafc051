import { readdirSync, readFileSync } from 'node:fs';
import { batchNormLayout } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import {
  plainBatchNormEval, plainBatchNormTrain, plainBatchNormTrainBackward,
} from '../dist/bench/anchors/plain-bn.js';

/*
 * The hand-written BatchNorm anchor must compute BatchNorm, or the benchmark compares bnkit against
 * something else. Reference: the PyTorch golden fixtures (float64 on the CPU), every layout and convention.
 */

interface HostTensor {
  shape: number[];
  data: number[];
}
interface Fixture {
  id: string;
  attrs: { training: boolean; axis: number; eps: number; momentum: number; runningVar: 'unbiased' | 'biased' };
  inputs: Record<'x' | 'gamma' | 'beta' | 'runningMean' | 'runningVar' | 'dy', HostTensor>;
  expected: Record<'y' | 'runningMean' | 'runningVar' | 'dx' | 'dgamma' | 'dbeta', HostTensor>;
  tolerance: { rtol: number; atol: number };
}

const dir = new URL('../../../fixtures/pytorch/batchNorm/', import.meta.url);
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture);

const f32 = (t: HostTensor): Float32Array => Float32Array.from(t.data);

function expectClose(actual: ArrayLike<number>, expected: HostTensor, tol: Fixture['tolerance'], what: string): void {
  expect(actual.length, what).toBe(expected.data.length);
  for (let i = 0; i < actual.length; i++) {
    const e = expected.data[i];
    const bound = tol.atol + tol.rtol * Math.abs(e);
    if (!(Math.abs(actual[i] - e) <= bound)) {
      throw new Error(`${what}[${i}] = ${actual[i]}, PyTorch float64 gives ${e} (allowed ±${bound})`);
    }
  }
}

function setup(f: Fixture) {
  const layout = batchNormLayout(f.inputs.x.shape, f.attrs.axis);
  const params = {
    gamma: f32(f.inputs.gamma), beta: f32(f.inputs.beta),
    runningMean: f32(f.inputs.runningMean), runningVar: f32(f.inputs.runningVar),
  };
  return { g: { outer: layout.outer, channels: layout.channels, inner: layout.inner }, params, x: f32(f.inputs.x) };
}

describe('plain-JS BatchNorm anchor against the PyTorch fixtures', () => {
  const training = fixtures.filter((f) => f.attrs.training);
  const evaluation = fixtures.filter((f) => !f.attrs.training);

  it('has fixtures to check against', () => {
    expect(training.length).toBeGreaterThan(5);
    expect(evaluation.length).toBeGreaterThan(0);
  });

  it.each(training.map((f) => [f.id, f] as const))('train forward and backward: %s', (id, f) => {
    const { g, params, x } = setup(f);
    const attrs = { eps: f.attrs.eps, momentum: f.attrs.momentum, unbiased: f.attrs.runningVar === 'unbiased' };
    const out = plainBatchNormTrain(x, params, g, attrs);
    expectClose(out.y, f.expected.y, f.tolerance, `${id} y`);
    expectClose(out.runningMean, f.expected.runningMean, f.tolerance, `${id} runningMean`);
    expectClose(out.runningVar, f.expected.runningVar, f.tolerance, `${id} runningVar`);
    const grads = plainBatchNormTrainBackward(x, f32(f.inputs.dy), params.gamma, out.mean, out.invStd, g);
    expectClose(grads.dx, f.expected.dx, f.tolerance, `${id} dx`);
    expectClose(grads.dgamma, f.expected.dgamma, f.tolerance, `${id} dgamma`);
    expectClose(grads.dbeta, f.expected.dbeta, f.tolerance, `${id} dbeta`);
  });

  it.each(evaluation.map((f) => [f.id, f] as const))('eval forward: %s', (id, f) => {
    const { g, params, x } = setup(f);
    expectClose(plainBatchNormEval(x, params, g, f.attrs.eps), f.expected.y, f.tolerance, `${id} y`);
  });

  it('leaves its inputs untouched', () => {
    const f = training[0];
    const { g, params, x } = setup(f);
    const before = [x, params.gamma, params.beta, params.runningMean, params.runningVar].map((a) => a.slice());
    plainBatchNormTrain(x, params, g, { eps: f.attrs.eps, momentum: f.attrs.momentum, unbiased: true });
    expect([x, params.gamma, params.beta, params.runningMean, params.runningVar]).toEqual(before);
  });
});
