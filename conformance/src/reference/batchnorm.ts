import { batchNormLayout, type BatchNormAttrs, type Shape } from '@bnkit/core';

/*
 * A float64 reference BatchNorm, written straight from the formulas of the contract (docs/batchnorm.md) with
 * no attention to speed: two-pass statistics in float64, one channel at a time. The checks compare backends
 * against it, and against central finite differences of it, so it must stay obviously correct.
 */

export interface BatchNormParams64 {
  readonly gamma: ArrayLike<number>;
  readonly beta: ArrayLike<number>;
  readonly runningMean: ArrayLike<number>;
  readonly runningVar: ArrayLike<number>;
}

export interface ChannelStats64 {
  readonly mean: Float64Array;
  /** Biased variance (divide by n): the one used to normalise. */
  readonly biasedVar: Float64Array;
  /** Values per channel. */
  readonly count: number;
}

export interface TrainForward64 extends ChannelStats64 {
  readonly y: Float64Array;
  readonly invStd: Float64Array;
  readonly runningMean: Float64Array;
  readonly runningVar: Float64Array;
}

export interface Gradients64 {
  readonly dx: Float64Array;
  readonly dgamma: Float64Array;
  readonly dbeta: Float64Array;
}

/** Calls `visit(channel, flatIndex)` for every element, x viewed as [outer, channels, inner]. */
export function forEachElement(shape: Shape, axis: number, visit: (c: number, i: number) => void): void {
  const { outer, channels, inner } = batchNormLayout(shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      for (let k = 0; k < inner; k++) visit(c, base + k);
    }
  }
}

/** Per-channel mean and biased variance over every axis but `axis`, two passes in float64. */
export function channelStats(x: ArrayLike<number>, shape: Shape, axis: number): ChannelStats64 {
  const { channels, count } = batchNormLayout(shape, axis);
  const mean = new Float64Array(channels);
  forEachElement(shape, axis, (c, i) => { mean[c] += x[i]; });
  for (let c = 0; c < channels; c++) mean[c] /= count;
  const biasedVar = new Float64Array(channels);
  forEachElement(shape, axis, (c, i) => { biasedVar[c] += (x[i] - mean[c]) ** 2; });
  for (let c = 0; c < channels; c++) biasedVar[c] /= count;
  return { mean, biasedVar, count };
}

/** The variance that feeds the running average under the declared estimator. */
export function runningVarianceSample(stats: ChannelStats64, estimator: BatchNormAttrs['runningVar']): Float64Array {
  const n = stats.count;
  return stats.biasedVar.map((v) => (estimator === 'unbiased' ? (v * n) / (n - 1) : v));
}

/** 1 / sqrt(variance + eps) per channel: what every mode normalises with. */
function invStdOf(variance: ArrayLike<number>, eps: number): Float64Array {
  return Float64Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
}

function normalise(
  x: ArrayLike<number>, shape: Shape, axis: number, mean: ArrayLike<number>, invStd: ArrayLike<number>, p: BatchNormParams64,
): Float64Array {
  const y = new Float64Array(x.length);
  forEachElement(shape, axis, (c, i) => { y[i] = p.gamma[c] * (x[i] - mean[c]) * invStd[c] + p.beta[c]; });
  return y;
}

export function batchNormTrain64(x: ArrayLike<number>, shape: Shape, p: BatchNormParams64, attrs: BatchNormAttrs): TrainForward64 {
  const stats = channelStats(x, shape, attrs.axis);
  const invStd = invStdOf(stats.biasedVar, attrs.eps);
  const sampleVar = runningVarianceSample(stats, attrs.runningVar);
  const m = attrs.momentum;
  return {
    ...stats,
    y: normalise(x, shape, attrs.axis, stats.mean, invStd, p),
    invStd,
    runningMean: stats.mean.map((v, c) => m * p.runningMean[c] + (1 - m) * v),
    runningVar: sampleVar.map((v, c) => m * p.runningVar[c] + (1 - m) * v),
  };
}

export function batchNormEval64(x: ArrayLike<number>, shape: Shape, p: BatchNormParams64, attrs: BatchNormAttrs): Float64Array {
  const invStd = invStdOf(p.runningVar, attrs.eps);
  return normalise(x, shape, attrs.axis, p.runningMean, invStd, p);
}

/** Gradients of `Σ dy·y` given the statistics the forward pass normalised with. */
function backward(
  x: ArrayLike<number>, dy: ArrayLike<number>, shape: Shape, axis: number, gamma: ArrayLike<number>,
  mean: ArrayLike<number>, invStd: ArrayLike<number>, training: boolean,
): Gradients64 {
  const { channels, count } = batchNormLayout(shape, axis);
  const dgamma = new Float64Array(channels);
  const dbeta = new Float64Array(channels);
  const xhat = (c: number, i: number): number => (x[i] - mean[c]) * invStd[c];
  forEachElement(shape, axis, (c, i) => {
    dbeta[c] += dy[i];
    dgamma[c] += dy[i] * xhat(c, i);
  });
  const dx = new Float64Array(x.length);
  forEachElement(shape, axis, (c, i) => {
    dx[i] = training
      ? ((gamma[c] * invStd[c]) / count) * (count * dy[i] - dbeta[c] - xhat(c, i) * dgamma[c])
      : dy[i] * gamma[c] * invStd[c];
  });
  return { dx, dgamma, dbeta };
}

export function batchNormTrainBackward64(
  x: ArrayLike<number>, dy: ArrayLike<number>, shape: Shape, gamma: ArrayLike<number>, attrs: BatchNormAttrs,
): Gradients64 {
  const stats = channelStats(x, shape, attrs.axis);
  const invStd = invStdOf(stats.biasedVar, attrs.eps);
  return backward(x, dy, shape, attrs.axis, gamma, stats.mean, invStd, true);
}

export function batchNormEvalBackward64(
  x: ArrayLike<number>, dy: ArrayLike<number>, shape: Shape, p: BatchNormParams64, attrs: BatchNormAttrs,
): Gradients64 {
  const invStd = invStdOf(p.runningVar, attrs.eps);
  return backward(x, dy, shape, attrs.axis, p.gamma, p.runningMean, invStd, false);
}
