import { describe, expect, it } from 'vitest';
import {
  AxisError, DegenerateBatchError, EpsError, MomentumError, ShapeError, batchNormAttrs,
  type Backend, type BatchNormAttrs, type Shape,
} from '@bnkit/core';
import createBackend from '../dist/index.js';

/** Inputs of a BatchNorm call on x of `shape`, with `channels` values in every per-channel tensor. */
function inputs(b: Backend, shape: Shape, channels: number) {
  const size = shape.reduce((p, d) => p * d, 1);
  const x = b.upload(Float32Array.from({ length: size }, (_, i) => i % 7), shape);
  const perChannel = () => b.upload(new Float32Array(channels).fill(1), [channels]);
  return { x, dy: x, gamma: perChannel(), beta: perChannel(), runningMean: perChannel(), runningVar: perChannel(), mean: perChannel(), invStd: perChannel() };
}

/** Attributes with validation bypassed, to reach the kernels' own checks with values batchNormAttrs refuses. */
function rawAttrs(partial: Partial<BatchNormAttrs>): BatchNormAttrs {
  return { axis: 1, eps: 1e-5, momentum: 0.9, runningVar: 'unbiased', ...partial };
}

describe('BatchNorm argument errors', async () => {
  const b = await createBackend();

  it.each([
    ['[1, 3]', [1, 3], 1],
    ['[1, 3, 1, 1]', [1, 3, 1, 1], 1],
    ['[2, 1] along axis 0', [2, 1], 0],
  ] as const)('training on %s (one value per channel) is a DegenerateBatchError', async (_name, shape, axis) => {
    const i = inputs(b, shape, shape[axis]);
    const attrs = batchNormAttrs({ axis });
    await expect(b.batchNormTrain(i, attrs)).rejects.toBeInstanceOf(DegenerateBatchError);
    await expect(b.batchNormTrainBackward(i, attrs)).rejects.toBeInstanceOf(DegenerateBatchError);
  });

  it('eval on one sample is fine', async () => {
    const i = inputs(b, [1, 3], 3);
    const y = await b.batchNormEval(i, batchNormAttrs({}));
    expect(y.shape).toEqual([1, 3]);
  });

  it.each([2, -3, 1.5])('axis %s on a rank-2 input is an AxisError', async (axis) => {
    const i = inputs(b, [4, 3], 3);
    await expect(b.batchNormTrain(i, rawAttrs({ axis }))).rejects.toBeInstanceOf(AxisError);
    await expect(b.batchNormEval(i, rawAttrs({ axis }))).rejects.toBeInstanceOf(AxisError);
  });

  it.each([0, -1e-5, Number.NaN, Number.POSITIVE_INFINITY])('eps %s is an EpsError', async (eps) => {
    const i = inputs(b, [4, 3], 3);
    await expect(b.batchNormTrain(i, rawAttrs({ eps }))).rejects.toBeInstanceOf(EpsError);
    await expect(b.batchNormEvalBackward(i, rawAttrs({ eps }))).rejects.toBeInstanceOf(EpsError);
    expect(() => batchNormAttrs({ eps })).toThrow(EpsError);
  });

  it.each([-0.1, 1.1, Number.NaN])('momentum %s is a MomentumError', async (momentum) => {
    const i = inputs(b, [4, 3], 3);
    await expect(b.batchNormTrain(i, rawAttrs({ momentum }))).rejects.toBeInstanceOf(MomentumError);
    expect(() => batchNormAttrs({ momentum })).toThrow(MomentumError);
  });

  it('gamma with the wrong number of channels is a ShapeError that names both sizes', async () => {
    const i = { ...inputs(b, [4, 3, 2], 3), gamma: b.upload([1, 1], [2]) };
    const err = await b.batchNormTrain(i, batchNormAttrs({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toMatch(/gamma.*\[3\].*\[2\]/);
    await expect(b.batchNormEval(i, batchNormAttrs({}))).rejects.toBeInstanceOf(ShapeError);
  });

  it('dy with a shape other than x is a ShapeError', async () => {
    const i = { ...inputs(b, [4, 3], 3), dy: b.upload(new Float32Array(12), [3, 4]) };
    await expect(b.batchNormTrainBackward(i, batchNormAttrs({}))).rejects.toBeInstanceOf(ShapeError);
  });

  it('a rank-1 input is a ShapeError', async () => {
    const i = inputs(b, [6], 6);
    await expect(b.batchNormEval(i, rawAttrs({ axis: 0 }))).rejects.toBeInstanceOf(ShapeError);
  });
});
