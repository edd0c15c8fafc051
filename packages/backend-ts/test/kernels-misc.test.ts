import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@bnkit/backend-ts';
import { InvalidArgumentError, ShapeError } from '@bnkit/core';
import { type TrainingBackend } from './kernels-support.js';

/** sgd, argmax, numerical extremes and argument errors of the training kernels. */
describe('training kernels: sgd, argmax, extremes, errors', () => {
  let b: TrainingBackend;
  beforeAll(async () => {
    b = (await createBackend({ threads: 1 })) as TrainingBackend;
  });
  afterAll(() => b.close());

  it('sgd returns param − lr·grad as a new tensor and leaves its inputs alone', async () => {
    const p = [1.5, -2, 0.25, 1e-3, 3];
    const g = [0.5, 0.5, -4, 1e-3, 0];
    const param = b.upload(p, [5]);
    const grad = b.upload(g, [5]);
    const out = await b.sgd({ param, grad }, { lr: 0.1 });
    expect(out).not.toBe(param);
    // float32 inputs, one rounding of the exact result.
    expect(Array.from(await b.read(out))).toEqual(p.map((v, i) => Math.fround(Math.fround(v) - 0.1 * Math.fround(g[i]))));
    expect(Array.from(await b.read(param))).toEqual(p.map(Math.fround));
    await expect(b.sgd({ param, grad }, { lr: Number.NaN })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('avgPool2dBackward with disjoint windows writes exact zeros where no window reaches, even on reused storage', async () => {
    // 7×5 input, 2×2 windows with stride 2: row 6 and column 4 are in no window. Fill the storage pool with
    // non-zero garbage of dx's size first, so a value left unwritten would show.
    const shape = [2, 3, 7, 5];
    const n = 2 * 3 * 7 * 5;
    const garbage = await b.sigmoid({ x: b.upload(new Float32Array(n).fill(3), shape) });
    b.dispose(garbage);
    const x = b.upload(new Float32Array(n), shape);
    const attrs = { kernel: [2, 2] as [number, number], stride: [2, 2] as [number, number], padding: [0, 0] as [number, number] };
    const dyValues = Array.from({ length: 2 * 3 * 3 * 2 }, (_, i) => i + 1);
    const dx = await b.read(await b.avgPool2dBackward({ x, dy: b.upload(dyValues, [2, 3, 3, 2]) }, attrs));
    // By definition: each covered input gets its window's dy / 4, the others 0.
    const expected: number[] = [];
    for (let plane = 0; plane < 6; plane++) {
      for (let iy = 0; iy < 7; iy++) {
        for (let ix = 0; ix < 5; ix++) {
          const covered = iy < 6 && ix < 4;
          expected.push(covered ? Math.fround(dyValues[plane * 6 + (iy >> 1) * 2 + (ix >> 1)] / 4) : 0);
        }
      }
    }
    expect(Array.from(dx)).toEqual(expected);
  });

  it('argmax takes the last axis, returns int32 of rank − 1, and the first maximum on ties', async () => {
    const x = b.upload([1, 3, 3, 0, /**/ 7, 7, 7, 7, /**/ -1, -5, -0.5, -0.5, /**/ 0, 0, 1, 1, /**/ 2, 9, 1, 9, /**/ -3, -2, -1, 0], [2, 3, 4]);
    const idx = await b.argmax({ x });
    expect(idx.shape).toEqual([2, 3]);
    expect(idx.dtype).toBe('int32');
    const got = await b.read(idx);
    expect(got).toBeInstanceOf(Int32Array);
    expect(Array.from(got)).toEqual([1, 0, 2, 2, 1, 3]);
    expect(Array.from(await b.read(await b.argmax({ x: b.upload([4, 2], [2]) })))).toEqual([0]);
  });

  it('softmaxCrossEntropy stays finite and exact for logits of ±1000', async () => {
    const logits = [1000, -1000, 0, -1000, 1000, 999, 1000, 1000, 1000];
    const labels = [1, 2, 0];
    const out = await b.softmaxCrossEntropy({ logits: b.upload(logits, [3, 3]), labels: b.upload(labels, [3], 'int32') });
    const [loss] = await b.read(out.loss);
    // Row losses by hand: 1000 − (−1000) = 2000; 1000 + log(1 + e^-1) − 999; log 3.
    const expected = (2000 + 1 + Math.log(1 + Math.exp(-1)) + Math.log(3)) / 3;
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(expected, 3);
    const d = await b.read(out.dlogits);
    expect(Array.from(d).every(Number.isFinite)).toBe(true);
    expect(d[0]).toBeCloseTo(1 / 3, 6);
    expect(d[1]).toBeCloseTo(-1 / 3, 6);
  });

  it('sigmoid saturates to exactly 0 and 1 without NaN for large |x|', async () => {
    const y = await b.read(await b.sigmoid({ x: b.upload([-1000, -100, -20, 0, 20, 100, 1000], [7]) }));
    expect(Array.from(y)).toEqual([0, Math.fround(1 / (1 + Math.exp(100))), Math.fround(1 / (1 + Math.exp(20))), 0.5, 1, 1, 1]);
  });

  it('rejects bad arguments with typed errors', async () => {
    const x = b.upload(new Float32Array(2 * 3 * 8 * 8), [2, 3, 8, 8]);
    await expect(b.conv2d({ x, weight: b.upload(new Float32Array(4 * 2 * 3 * 3), [4, 2, 3, 3]), bias: b.upload(new Float32Array(4), [4]) }, { stride: [1, 1], padding: [0, 0] }))
      .rejects.toBeInstanceOf(ShapeError);
    await expect(b.avgPool2d({ x }, { kernel: [2, 2], stride: [0, 2], padding: [0, 0] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(b.linear({ x: b.upload([1, 2], [1, 2]), weight: b.upload([1, 2, 3], [1, 3]), bias: b.upload([0], [1]) }))
      .rejects.toBeInstanceOf(ShapeError);
    await expect(b.softmaxCrossEntropy({ logits: b.upload([0, 1], [1, 2]), labels: b.upload([2], [1], 'int32') }))
      .rejects.toThrow(/label 2 at row 0 is outside \[0, 1\]/);
    await expect(createBackend({ threads: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
