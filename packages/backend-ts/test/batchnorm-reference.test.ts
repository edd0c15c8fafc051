import { describe, expect, it } from 'vitest';
import { batchNormAttrs, type BatchNormAttrs, type Shape, type Tensor } from '@bnkit/core';
import { worstViolation } from '@bnkit/fixtures';
import createBackend from '../dist/index.js';
import { seeded } from './kernels-support.js';

/*
 * The kernels against an independent float64 reference written the naive way (explicit strides, one
 * element at a time), and their gradients against central finite differences of that reference's loss
 * L = Σ w · y, so dy = w.
 */

/** Values rounded to float32 so the reference sees exactly what the kernels see. */
function randomF32(n: number, next: () => number, scale = 1, offset = 0): Float64Array {
  return Float64Array.from(Float32Array.from({ length: n }, () => offset + scale * next()));
}

/** Channel of every flat index, computed from the shape's strides. */
function channelOf(shape: Shape, axis: number): Int32Array {
  const a = axis < 0 ? axis + shape.length : axis;
  let stride = 1;
  for (let d = shape.length - 1; d > a; d--) stride *= shape[d];
  const total = shape.reduce((p, d) => p * d, 1);
  return Int32Array.from({ length: total }, (_, i) => Math.floor(i / stride) % shape[a]);
}

interface Case {
  shape: Shape;
  axis: number;
  training: boolean;
}

interface Params {
  x: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
  runningMean: Float64Array;
  runningVar: Float64Array;
}

/** float64 BatchNorm forward: y, and in training the batch mean and biased variance per channel. */
function reference(p: Params, ch: Int32Array, channels: number, training: boolean, eps: number) {
  const count = new Float64Array(channels), mean = new Float64Array(channels), variance = new Float64Array(channels);
  for (let i = 0; i < p.x.length; i++) {
    count[ch[i]]++;
    mean[ch[i]] += p.x[i];
  }
  for (let c = 0; c < channels; c++) mean[c] /= count[c];
  for (let i = 0; i < p.x.length; i++) variance[ch[i]] += (p.x[i] - mean[ch[i]]) ** 2;
  for (let c = 0; c < channels; c++) variance[c] /= count[c];
  const m = training ? mean : p.runningMean, v = training ? variance : p.runningVar;
  const y = p.x.map((xi, i) => (p.gamma[ch[i]] * (xi - m[ch[i]])) / Math.sqrt(v[ch[i]] + eps) + p.beta[ch[i]]);
  return { y, mean, variance, count: count[0] };
}

function loss(p: Params, w: Float64Array, ch: Int32Array, channels: number, training: boolean, eps: number): number {
  const { y } = reference(p, ch, channels, training, eps);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
}

/**
 * Central differences of the loss with respect to p[key] at `indices`. Each costs two loss evaluations over
 * the whole tensor, so large tensors are probed at a spread of indices (first and last included).
 */
function numericGradient(p: Params, key: 'x' | 'gamma' | 'beta', f: (p: Params) => number, indices: readonly number[]): Float64Array {
  const h = 1e-4;
  const v = p[key];
  return Float64Array.from(indices, (i) => {
    const orig = v[i];
    v[i] = orig + h;
    const up = f(p);
    v[i] = orig - h;
    const down = f(p);
    v[i] = orig;
    return (up - down) / (2 * h);
  });
}

function probeIndices(length: number, most = 48): number[] {
  if (length <= most) return Array.from({ length }, (_, i) => i);
  return Array.from({ length: most }, (_, k) => Math.round((k * (length - 1)) / (most - 1)));
}

function expectAllClose(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): void {
  expect(actual.length).toBe(expected.length);
  const { ratio, index: i } = worstViolation(actual, expected, { rtol, atol });
  if (ratio > 1) expect.fail(`${name}[${i}] = ${actual[i]}, reference ${expected[i]}`);
}

const CASES: Case[] = [
  { shape: [6, 4], axis: 1, training: true },
  { shape: [5, 3], axis: -1, training: true },
  { shape: [3, 4, 5], axis: 1, training: true },
  { shape: [3, 4, 5], axis: -1, training: true },
  { shape: [4, 3, 5], axis: 0, training: true },
  { shape: [2, 3, 2, 3, 2], axis: 2, training: true },
  { shape: [2, 2, 3, 2, 3], axis: -1, training: true },
  { shape: [7, 1], axis: 1, training: true },
  { shape: [2, 1, 3, 3], axis: 1, training: true },
  // Enough rows that the channels-last loops walk several row blocks, the last one partial.
  { shape: [35, 130], axis: -1, training: true },
  { shape: [2, 20, 25, 5], axis: 3, training: true },
  { shape: [900, 5], axis: 1, training: false },
  { shape: [1, 5], axis: 1, training: false },
  { shape: [3, 4, 5], axis: -1, training: false },
  { shape: [2, 3, 2, 3, 2], axis: 2, training: false },
];

describe('BatchNorm vs a float64 reference and finite differences', async () => {
  const b = await createBackend();
  const eps = 1e-3; // large enough that float32 storage does not dominate the finite-difference error

  it.each(CASES.map((c, i) => [`${c.training ? 'train' : 'eval'} shape [${c.shape.join(',')}] axis ${c.axis} (seed ${i + 1})`, c, i + 1] as const))(
    '%s',
    async (_name, { shape, axis, training }, seed) => {
      const next = seeded(seed); // uniform [-1, 1); tests never use Math.random
      const total = shape.reduce((p, d) => p * d, 1);
      const a = axis < 0 ? axis + shape.length : axis;
      const channels = shape[a];
      const ch = channelOf(shape, axis);
      const p: Params = {
        x: randomF32(total, next, 2, 0.5),
        gamma: randomF32(channels, next, 0.5, 1),
        beta: randomF32(channels, next),
        runningMean: randomF32(channels, next, 0.3),
        runningVar: randomF32(channels, next, 0.4, 1),
      };
      const w = randomF32(total, next);
      const attrs: BatchNormAttrs = batchNormAttrs({ axis, eps, momentum: 0.8, runningVar: 'unbiased' });

      const up = (v: Float64Array, s: Shape) => b.upload(Float32Array.from(v), s);
      const x = up(p.x, shape), dy = up(w, shape), gamma = up(p.gamma, [channels]), beta = up(p.beta, [channels]);
      const runningMean = up(p.runningMean, [channels]), runningVar = up(p.runningVar, [channels]);
      const ref = reference(p, ch, channels, training, eps);
      const f = (q: Params) => loss(q, w, ch, channels, training, eps);

      let grads;
      if (training) {
        const fwd = await b.batchNormTrain({ x, gamma, beta, runningMean, runningVar }, attrs);
        expectAllClose('y', await b.read(fwd.y), ref.y, 1e-5, 1e-5);
        expectAllClose('mean', await b.read(fwd.mean), ref.mean, 1e-6, 1e-6);
        expectAllClose('invStd', await b.read(fwd.invStd), ref.variance.map((v) => 1 / Math.sqrt(v + eps)), 0, 1e-6);
        const n = ref.count;
        expectAllClose('runningMean', await b.read(fwd.runningMean), p.runningMean.map((r, c) => 0.8 * r + 0.2 * ref.mean[c]), 1e-6, 1e-6);
        expectAllClose('runningVar', await b.read(fwd.runningVar), p.runningVar.map((r, c) => 0.8 * r + (0.2 * ref.variance[c] * n) / (n - 1)), 1e-6, 1e-6);
        grads = await b.batchNormTrainBackward({ x, dy, gamma, mean: fwd.mean, invStd: fwd.invStd }, attrs);
      } else {
        expectAllClose('y', await b.read(await b.batchNormEval({ x, gamma, beta, runningMean, runningVar }, attrs)), ref.y, 1e-5, 1e-5);
        grads = await b.batchNormEvalBackward({ x, dy, gamma, runningMean, runningVar }, attrs);
      }
      const probe = async (key: 'x' | 'gamma' | 'beta', t: Tensor) => {
        const indices = probeIndices(p[key].length);
        const all = await b.read(t);
        expectAllClose(`d${key}`, indices.map((i) => all[i]), numericGradient(p, key, f, indices), 2e-4, 1e-3);
      };
      await probe('x', grads.dx);
      await probe('gamma', grads.dgamma);
      await probe('beta', grads.dbeta);
    },
  );

  it('keeps a channel of identical values finite: y = beta, dx = gamma / sqrt(eps) · (dy − mean dy)', async () => {
    // With zero variance xhat = 0, so dx keeps only its first two terms; it vanishes only where dy is
    // constant over the channel.
    const eps = 1e-5;
    const attrs = batchNormAttrs({ axis: 1, eps });
    const shape = [4, 2, 3];
    const ch = channelOf(shape, 1);
    const x = b.upload(new Float32Array(24).fill(1000.5), shape);
    const gammaValues = [2, 3];
    const gamma = b.upload(gammaValues, [2]), beta = b.upload([0.25, -1], [2]);
    const stat = b.upload([0, 1], [2]);
    const fwd = await b.batchNormTrain({ x, gamma, beta, runningMean: stat, runningVar: stat }, attrs);
    expect(Array.from(await b.read(fwd.y))).toEqual(Array.from(ch, (c) => [0.25, -1][c]));
    const dyValues = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i));
    const dyMean = [0, 1].map((c) => dyValues.reduce((s, v, i) => (ch[i] === c ? s + v : s), 0) / 12);
    const dy = b.upload(dyValues, shape);
    const grads = await b.batchNormTrainBackward({ x, dy, gamma, mean: fwd.mean, invStd: fwd.invStd }, attrs);
    const expected = Array.from(dyValues, (d, i) => (gammaValues[ch[i]] / Math.sqrt(eps)) * (d - dyMean[ch[i]]));
    expectAllClose('dx', await b.read(grads.dx), expected, 1e-3, 1e-5);
    expectAllClose('dgamma', await b.read(grads.dgamma), [0, 0], 0, 0);
  });
});
