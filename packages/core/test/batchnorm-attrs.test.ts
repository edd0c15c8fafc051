import { describe, expect, it } from 'vitest';
import {
  AxisError, DegenerateBatchError, EpsError, InvalidArgumentError, MomentumError, ShapeError,
  assertTrainableBatch, batchNormAttrs, batchNormLayout,
} from '@bnkit/core';

describe('batchNormAttrs', () => {
  it('fills the documented defaults', () => {
    expect(batchNormAttrs()).toEqual({ axis: 1, eps: 1e-5, momentum: 0.9, runningVar: 'unbiased' });
  });

  it.each([0, -1e-5, Number.NaN, Number.POSITIVE_INFINITY])('rejects eps = %s with EpsError', (eps) => {
    expect(() => batchNormAttrs({ eps })).toThrow(EpsError);
  });

  it.each([-0.1, 1.1, Number.NaN])('rejects momentum = %s with MomentumError naming the convention', (momentum) => {
    expect(() => batchNormAttrs({ momentum })).toThrow(/weight of the old running value/);
    expect(() => batchNormAttrs({ momentum })).toThrow(MomentumError);
  });

  it('accepts momentum 0 and 1 (edge cases of the convention)', () => {
    expect(batchNormAttrs({ momentum: 0 }).momentum).toBe(0);
    expect(batchNormAttrs({ momentum: 1 }).momentum).toBe(1);
  });

  it('rejects an unknown running-variance estimator and a fractional axis', () => {
    expect(() => batchNormAttrs({ runningVar: 'population' as never })).toThrow(InvalidArgumentError);
    expect(() => batchNormAttrs({ axis: 1.5 })).toThrow(AxisError);
  });
});

describe('batchNormLayout', () => {
  it('views NCHW as [N, C, H*W]', () => {
    expect(batchNormLayout([4, 3, 5, 5], 1)).toEqual({ axis: 1, channels: 3, outer: 4, inner: 25, count: 100 });
  });

  it('resolves negative axes (NHWC with axis -1)', () => {
    expect(batchNormLayout([4, 5, 5, 3], -1)).toEqual({ axis: 3, channels: 3, outer: 100, inner: 1, count: 100 });
  });

  it('rejects axes outside [-rank, rank) and rank < 2', () => {
    expect(() => batchNormLayout([2, 3], 2)).toThrow(/allowed -2\.\.1/);
    expect(() => batchNormLayout([2, 3], -3)).toThrow(AxisError);
    expect(() => batchNormLayout([6], 0)).toThrow(ShapeError);
  });

  it('flags one value per channel as a degenerate training batch', () => {
    const shape = [1, 4, 1, 1];
    expect(() => assertTrainableBatch(shape, batchNormLayout(shape, 1))).toThrow(DegenerateBatchError);
    const spatial = [1, 4, 3, 3];
    expect(() => assertTrainableBatch(spatial, batchNormLayout(spatial, 1))).not.toThrow();
  });
});
