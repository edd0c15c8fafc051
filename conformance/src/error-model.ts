import { batchNormLayout, type BatchNormAttrs, type Shape } from '@bnkit/core';
import { forEachElement, type BatchNormParams64 } from './reference/batchnorm.js';

/*
 * How far a careful float32 implementation may be from the exact (float64) result of a BatchNorm call, per
 * output element, in units of the float32 unit roundoff u = 2^-24. A property passes an element when
 *
 *     |actual − exact| <= ERROR_BUDGET · u · scale
 *
 * where `scale` is the size of what the float32 computation of that element had to combine (defined below
 * for every output), so the budget is the same dimensionless number everywhere: ill-conditioned inputs
 * (data on an offset of many standard deviations, a tiny eps with a tiny variance, long reductions) get a
 * proportionally larger allowance, well-conditioned ones a tight one. The budget is calibrated by a
 * straightforward float32 implementation (conformance/test/yardstick/) that must stay within half of it on
 * every input, refining the saved mean or not; every planted fault must exceed it by far. See
 * docs/tolerance.md.
 *
 * Per channel c, with n values, mean μ, biased variance σ², s = 1/sqrt(σ² + eps) and A = max |x|:
 *   G = 2 + log2(n)          roundings a pairwise or wider-accumulator sum of n terms can compound;
 *   δμ ≲ G·u·A               the error of a float32 mean (the saved mean of the contract is float32);
 *   κ = A·s                  how many (eps-regularised) standard deviations the data sit from zero;
 *   R = G·(1 + G·u·κ²)       the relative error of the variance and of s, in u: G from the sum of squares,
 *                            G·u·κ² from the mean's error, which a two-pass variance squares (δμ²/σ²).
 */

/** The float32 unit roundoff: half the distance from 1 to the next float32. */
export const UNIT_ROUNDOFF = 2 ** -24;

/**
 * The error budget of the properties, in units of u·scale. The yardstick implementations use at most half of
 * it on every input the properties draw (conformance/test/tolerance-model.test.ts asserts so).
 */
export const ERROR_BUDGET = 64;

interface ChannelCondition {
  readonly n: number;
  readonly mean: Float64Array;
  readonly invStd: Float64Array;
  /** max |x| per channel. */
  readonly peak: Float64Array;
  /** G: summation growth. */
  readonly growth: number;
  /** R: relative error factor of the variance and invStd. */
  readonly relative: Float64Array;
}

function perChannelSum(shape: Shape, axis: number, term: (c: number, i: number) => number): Float64Array {
  const out = new Float64Array(batchNormLayout(shape, axis).channels);
  forEachElement(shape, axis, (c, i) => { out[c] += term(c, i); });
  return out;
}

function condition(x: ArrayLike<number>, shape: Shape, axis: number, variance: 'batch' | { mean: ArrayLike<number>; variance: ArrayLike<number> }, eps: number): ChannelCondition {
  const { channels, count } = batchNormLayout(shape, axis);
  const peak = new Float64Array(channels);
  forEachElement(shape, axis, (c, i) => { peak[c] = Math.max(peak[c], Math.abs(x[i])); });
  let mean: Float64Array;
  let v: Float64Array;
  if (variance === 'batch') {
    mean = perChannelSum(shape, axis, (_, i) => x[i]).map((s) => s / count);
    v = perChannelSum(shape, axis, (c, i) => (x[i] - mean[c]) ** 2).map((s) => s / count);
  } else {
    mean = Float64Array.from(variance.mean);
    v = Float64Array.from(variance.variance);
    for (let c = 0; c < channels; c++) peak[c] = Math.max(peak[c], Math.abs(mean[c]));
  }
  const growth = 2 + Math.log2(count);
  const invStd = v.map((vc) => 1 / Math.sqrt(vc + eps));
  const relative = invStd.map((s, c) => growth * (1 + growth * UNIT_ROUNDOFF * (peak[c] * s) ** 2));
  return { n: count, mean, invStd, peak, growth, relative };
}

export interface TrainForwardScales {
  readonly y: Float64Array;
  readonly mean: Float64Array;
  readonly invStd: Float64Array;
  readonly runningMean: Float64Array;
  readonly runningVar: Float64Array;
}

/** Scales of the training forward's outputs for these inputs. */
export function trainForwardScales(x: ArrayLike<number>, shape: Shape, p: BatchNormParams64, attrs: BatchNormAttrs): TrainForwardScales {
  const k = condition(x, shape, attrs.axis, 'batch', attrs.eps);
  const y = new Float64Array(x.length);
  // y = γ·(x − μ)·s + β: the mean's error and s's relative error, both through γ·s, plus β's rounding.
  forEachElement(shape, attrs.axis, (c, i) => {
    y[i] = Math.abs(p.gamma[c]) * k.invStd[c] * (k.growth * k.peak[c] + Math.abs(x[i] - k.mean[c]) * k.relative[c]) + Math.abs(p.beta[c]);
  });
  const m = attrs.momentum;
  const { count } = batchNormLayout(shape, attrs.axis);
  const estimator = attrs.runningVar === 'unbiased' ? count / (count - 1) : 1;
  return {
    y,
    mean: k.peak.map((a) => k.growth * a),
    invStd: k.invStd.map((s, c) => s * k.relative[c]),
    runningMean: k.peak.map((a, c) => 2 * (m * Math.abs(p.runningMean[c]) + (1 - m) * k.growth * a)),
    runningVar: k.invStd.map((s, c) => 2 * (m * Math.abs(p.runningVar[c]) + (1 - m) * estimator * k.relative[c] / (s * s))),
  };
}

export interface GradientScales {
  readonly dx: Float64Array;
  readonly dgamma: Float64Array;
  readonly dbeta: Float64Array;
}

/** Scales of the training backward's outputs (with the float32 saved statistics of a careful forward). */
export function trainBackwardScales(x: ArrayLike<number>, dy: ArrayLike<number>, shape: Shape, gamma: ArrayLike<number>, attrs: BatchNormAttrs): GradientScales {
  const k = condition(x, shape, attrs.axis, 'batch', attrs.eps);
  const xhat = (c: number, i: number) => (x[i] - k.mean[c]) * k.invStd[c];
  // |δxhat_i| ≲ u·(s·G·A + |xhat_i|·R): the saved mean's error through s, and s's own.
  const xhatScale = (c: number, i: number) => k.invStd[c] * k.growth * k.peak[c] + Math.abs(xhat(c, i)) * k.relative[c];
  const absDy = perChannelSum(shape, attrs.axis, (_, i) => Math.abs(dy[i]));
  const dbeta = absDy.map((s) => k.growth * s);
  const dgamma = perChannelSum(shape, attrs.axis, (c, i) => Math.abs(dy[i]) * (xhatScale(c, i) + k.growth * Math.abs(xhat(c, i))));
  const sumDyXhat = perChannelSum(shape, attrs.axis, (c, i) => dy[i] * xhat(c, i));
  const sumDy = perChannelSum(shape, attrs.axis, (_, i) => dy[i]);
  const dx = new Float64Array(x.length);
  // dx = γ·s/n·(n·dy − Σdy − xhat·Σ(dy·xhat)): each term's error, and s's relative error on their sizes.
  forEachElement(shape, attrs.axis, (c, i) => {
    const terms = k.n * Math.abs(dy[i]) + Math.abs(sumDy[c]) + Math.abs(xhat(c, i) * sumDyXhat[c]);
    const errors = k.relative[c] * terms + dbeta[c] + xhatScale(c, i) * Math.abs(sumDyXhat[c]) + Math.abs(xhat(c, i)) * dgamma[c];
    dx[i] = (Math.abs(gamma[c]) * k.invStd[c] * errors) / k.n;
  });
  return { dx, dgamma, dbeta };
}

/** Scales of the eval forward: y = γ·(x − runningMean)·s + β with s = 1/sqrt(runningVar + eps). */
export function evalForwardScales(x: ArrayLike<number>, shape: Shape, p: BatchNormParams64, attrs: BatchNormAttrs): Float64Array {
  const s = Float64Array.from(p.runningVar, (v) => 1 / Math.sqrt(v + attrs.eps));
  const y = new Float64Array(x.length);
  forEachElement(shape, attrs.axis, (c, i) => {
    y[i] = 4 * (Math.abs(p.gamma[c]) * s[c] * (Math.abs(x[i]) + Math.abs(p.runningMean[c])) + Math.abs(p.beta[c]));
  });
  return y;
}

/** Scales of the eval backward: dx = dy·γ·s, dgamma = Σ dy·xhat, dbeta = Σ dy with the running statistics. */
export function evalBackwardScales(x: ArrayLike<number>, dy: ArrayLike<number>, shape: Shape, p: BatchNormParams64, attrs: BatchNormAttrs): GradientScales {
  const { count } = batchNormLayout(shape, attrs.axis);
  const growth = 2 + Math.log2(count);
  const s = Float64Array.from(p.runningVar, (v) => 1 / Math.sqrt(v + attrs.eps));
  const dx = new Float64Array(x.length);
  forEachElement(shape, attrs.axis, (c, i) => { dx[i] = 4 * Math.abs(dy[i] * p.gamma[c]) * s[c]; });
  return {
    dx,
    dgamma: perChannelSum(shape, attrs.axis, (c, i) => 4 * growth * Math.abs(dy[i]) * s[c] * (Math.abs(x[i]) + Math.abs(p.runningMean[c]))),
    dbeta: perChannelSum(shape, attrs.axis, (_, i) => growth * Math.abs(dy[i])),
  };
}

/**
 * Scales of the running statistics after `calls` chained training calls on the same x: each call rounds
 * afresh, and every intermediate running value lies between the initial one and the batch statistic.
 */
export function chainedRunningScales(x: ArrayLike<number>, shape: Shape, p: BatchNormParams64, attrs: BatchNormAttrs, calls: number): Pick<TrainForwardScales, 'runningMean' | 'runningVar'> {
  // Momentum 1/2 weighs both ends equally: twice that is |initial| + |batch statistic| (scaled).
  const one = trainForwardScales(x, shape, p, { ...attrs, momentum: 0.5 });
  return { runningMean: one.runningMean.map((v) => 2 * calls * v), runningVar: one.runningVar.map((v) => 2 * calls * v) };
}
