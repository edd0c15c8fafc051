import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@bnkit/backend-ts';
import type { Pair } from '@bnkit/core';
import { worstViolation } from '@bnkit/fixtures';
import { randomArray, read, seeded, type TrainingBackend } from './kernels-support.js';

/*
 * Backward kernels against central finite differences of float64 reference forwards written here, and the
 * forward kernels against the same references. For a forward F and a random cotangent r, the gradient of
 * L = Σ r·F(θ) with respect to θ_i is (L(θ + h·e_i) − L(θ − h·e_i)) / 2h; in float64 with h = 1e-6 that is
 * exact to ~1e-9, far below the float32 kernels' error.
 */

type Vec = Float64Array;
const H = 1e-6;
/** Float32 kernels with float64 accumulation: relative error well under 1e-5 on these sizes. */
const TOL = { rtol: 1e-4, atol: 1e-5 };

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ∂(Σ r·f(θ))/∂θ by central differences, θ being one of the float64 arrays f closes over. */
function numericGradient(theta: Vec, r: ArrayLike<number>, f: () => ArrayLike<number>): Vec {
  const g = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    const keep = theta[i];
    theta[i] = keep + H;
    const up = dot(r, f());
    theta[i] = keep - H;
    const down = dot(r, f());
    theta[i] = keep;
    g[i] = (up - down) / (2 * H);
  }
  return g;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const { ratio, index } = worstViolation(actual, expected, TOL);
  expect(ratio, `${what}[${index}]: got ${actual[index]}, expected ${expected[index]}`).toBeLessThanOrEqual(1);
}

interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: Pair;
  padding: Pair;
}

function convRef(x: Vec, w: Vec, b: Vec, c: ConvCase): Vec {
  const [n, cin, h, wd] = c.x;
  const [cout, , kh, kw] = c.w;
  const oh = Math.floor((h + 2 * c.padding[0] - kh) / c.stride[0]) + 1;
  const ow = Math.floor((wd + 2 * c.padding[1] - kw) / c.stride[1]) + 1;
  const y = new Float64Array(n * cout * oh * ow);
  let o = 0;
  for (let bi = 0; bi < n; bi++) for (let co = 0; co < cout; co++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    let s = b[co];
    for (let ci = 0; ci < cin; ci++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * c.stride[0] + ky - c.padding[0];
      const ix = ox * c.stride[1] + kx - c.padding[1];
      if (iy >= 0 && iy < h && ix >= 0 && ix < wd) s += x[((bi * cin + ci) * h + iy) * wd + ix] * w[((co * cin + ci) * kh + ky) * kw + kx];
    }
    y[o++] = s;
  }
  return y;
}

function poolRef(kind: 'avg' | 'max', x: Vec, shape: number[], kernel: Pair, stride: Pair, padding: Pair): Vec {
  const [n, c, h, w] = shape;
  const oh = Math.floor((h + 2 * padding[0] - kernel[0]) / stride[0]) + 1;
  const ow = Math.floor((w + 2 * padding[1] - kernel[1]) / stride[1]) + 1;
  const y = new Float64Array(n * c * oh * ow);
  let o = 0;
  for (let pl = 0; pl < n * c; pl++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    let acc = kind === 'avg' ? 0 : -Infinity;
    for (let ky = 0; ky < kernel[0]; ky++) for (let kx = 0; kx < kernel[1]; kx++) {
      const iy = oy * stride[0] + ky - padding[0];
      const ix = ox * stride[1] + kx - padding[1];
      const v = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(pl * h + iy) * w + ix] : kind === 'avg' ? 0 : -Infinity;
      acc = kind === 'avg' ? acc + v : Math.max(acc, v);
    }
    y[o++] = kind === 'avg' ? acc / (kernel[0] * kernel[1]) : acc;
  }
  return y;
}

describe('gradients against float64 finite differences', () => {
  let b: TrainingBackend;
  beforeAll(async () => {
    b = (await createBackend({ threads: 1 })) as TrainingBackend;
  });
  afterAll(() => b.close());

  const convCases: [string, ConvCase][] = [
    ['stride 2, padding 1, k3', { x: [2, 3, 7, 7], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1] }],
    ['stride [2,1], padding [1,2], k3x4, odd sizes', { x: [3, 2, 6, 5], w: [5, 2, 3, 4], stride: [2, 1], padding: [1, 2] }],
    ['LeNet-like k5, no padding', { x: [2, 2, 9, 9], w: [3, 2, 5, 5], stride: [1, 1], padding: [0, 0] }],
  ];
  it.each(convCases)('conv2d: %s', async (_name, c) => {
    const rand = seeded(11);
    const size = (s: number[]) => s.reduce((a, d) => a * d, 1);
    const x32 = randomArray(size(c.x), rand), w32 = randomArray(size(c.w), rand), b32 = randomArray(c.w[0], rand);
    const x = Float64Array.from(x32), w = Float64Array.from(w32), bias = Float64Array.from(b32);
    const yRef = convRef(x, w, bias, c);
    const r = randomArray(yRef.length, rand);
    const attrs = { stride: c.stride, padding: c.padding };
    const tx = b.upload(x32, c.x), tw = b.upload(w32, c.w);
    const y = await b.conv2d({ x: tx, weight: tw, bias: b.upload(b32, [c.w[0]]) }, attrs);
    expectClose(await b.read(y), yRef, 'y');
    const dy = b.upload(r, y.shape);
    const g = await b.conv2dBackward({ x: tx, weight: tw, dy }, attrs);
    expectClose(await read(b, g.dx), numericGradient(x, r, () => convRef(x, w, bias, c)), 'dx');
    expectClose(await read(b, g.dweight), numericGradient(w, r, () => convRef(x, w, bias, c)), 'dweight');
    expectClose(await read(b, g.dbias), numericGradient(bias, r, () => convRef(x, w, bias, c)), 'dbias');
    const noDx = await b.conv2dBackward({ x: tx, weight: tw, dy }, { ...attrs, inputGradient: false });
    expect(noDx.dx).toBeUndefined();
    expect(await read(b, noDx.dweight)).toEqual(await read(b, g.dweight));
  });

  it('linear', async () => {
    const rand = seeded(12);
    const [n, fin, fout] = [5, 7, 6];
    const x32 = randomArray(n * fin, rand), w32 = randomArray(fout * fin, rand), b32 = randomArray(fout, rand);
    const x = Float64Array.from(x32), w = Float64Array.from(w32), bias = Float64Array.from(b32);
    const ref = () => {
      const y = new Float64Array(n * fout);
      for (let i = 0; i < n; i++) for (let o = 0; o < fout; o++) {
        let s = bias[o];
        for (let k = 0; k < fin; k++) s += x[i * fin + k] * w[o * fin + k];
        y[i * fout + o] = s;
      }
      return y;
    };
    const r = randomArray(n * fout, rand);
    const tx = b.upload(x32, [n, fin]), tw = b.upload(w32, [fout, fin]);
    expectClose(await b.read(await b.linear({ x: tx, weight: tw, bias: b.upload(b32, [fout]) })), ref(), 'y');
    const g = await b.linearBackward({ x: tx, weight: tw, dy: b.upload(r, [n, fout]) });
    expectClose(await b.read(g.dx), numericGradient(x, r, ref), 'dx');
    expectClose(await b.read(g.dweight), numericGradient(w, r, ref), 'dweight');
    expectClose(await b.read(g.dbias), numericGradient(bias, r, ref), 'dbias');
  });

  const poolCases: ['avg' | 'max', Pair, Pair, Pair][] = [
    ['avg', [2, 2], [2, 2], [0, 0]],
    ['avg', [3, 3], [2, 2], [1, 1]],
    ['avg', [3, 2], [1, 2], [1, 1]],
    ['max', [2, 2], [2, 2], [0, 0]],
    ['max', [3, 3], [2, 2], [1, 1]],
    ['max', [3, 2], [1, 2], [1, 1]],
  ];
  it.each(poolCases)('%sPool2d kernel %j stride %j padding %j', async (kind, kernel, stride, padding) => {
    const rand = seeded(13);
    const shape = [2, 3, 7, 6];
    const x32 = randomArray(shape.reduce((a, d) => a * d, 1), rand);
    const x = Float64Array.from(x32);
    const attrs = { kernel, stride, padding };
    const ref = () => poolRef(kind, x, shape, kernel, stride, padding);
    const yRef = ref();
    const r = randomArray(yRef.length, rand);
    const tx = b.upload(x32, shape);
    const forward = kind === 'avg' ? b.avgPool2d : b.maxPool2d;
    const backward = kind === 'avg' ? b.avgPool2dBackward : b.maxPool2dBackward;
    const y = await forward.call(b, { x: tx }, attrs);
    expectClose(await b.read(y), yRef, 'y');
    const dx = await backward.call(b, { x: tx, dy: b.upload(r, y.shape) }, attrs);
    expectClose(await b.read(dx), numericGradient(x, r, ref), 'dx');
  });

  it('softmaxCrossEntropy (mean)', async () => {
    const rand = seeded(14);
    const [n, k] = [5, 7];
    const z32 = randomArray(n * k, rand, -3, 3);
    const labels = Int32Array.from([0, 6, 3, 3, 1]);
    const z = Float64Array.from(z32);
    const ref = () => {
      let total = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += Math.exp(z[i * k + j]);
        total += Math.log(s) - z[i * k + labels[i]];
      }
      return [total / n];
    };
    const out = await b.softmaxCrossEntropy({ logits: b.upload(z32, [n, k]), labels: b.upload(labels, [n], 'int32') });
    expect(out.loss.shape).toEqual([1]);
    expectClose(await b.read(out.loss), ref(), 'loss');
    expectClose(await b.read(out.dlogits), numericGradient(z, [1], ref), 'dlogits');
  });

  it('sigmoid and relu backward match the derivative of their forward', async () => {
    const rand = seeded(15);
    const x32 = randomArray(40, rand, -6, 6);
    const x = Float64Array.from(x32);
    const r = randomArray(40, rand);
    const sig = () => x.map((v) => 1 / (1 + Math.exp(-v)));
    const tx = b.upload(x32, [4, 10]);
    const y = await b.sigmoid({ x: tx });
    expectClose(await b.read(y), sig(), 'sigmoid y');
    expectClose(await b.read(await b.sigmoidBackward({ y, dy: b.upload(r, [4, 10]) })), numericGradient(x, r, sig), 'sigmoid dx');
    const relu = () => x.map((v) => Math.max(v, 0));
    expectClose(await b.read(await b.relu({ x: tx })), relu(), 'relu y');
    expectClose(await b.read(await b.reluBackward({ x: tx, dy: b.upload(r, [4, 10]) })), numericGradient(x, r, relu), 'relu dx');
  });
});
