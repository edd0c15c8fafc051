/*
 * The yardstick for bnkit's BatchNorm kernels: the best straightforward single-thread JavaScript a careful
 * engineer would write by hand. Tight loops over typed arrays, per-channel constants hoisted out of the
 * element loops, two-pass statistics (mean first, then the sum of squared deviations) accumulated in
 * float64 because one-pass E[x²] − E[x]² cancels catastrophically when |mean| ≫ std. Every pass walks
 * memory front to back (all channels of sample 0, then sample 1...) with per-channel sums, which the
 * prefetcher serves better than visiting one channel at a time. Reductions keep four independent
 * accumulators: one chain of dependent float adds, not memory, limits a plain sum loop in V8 (0.47 →
 * 0.27 ms for one pass over (256,6,24,24) here). Outputs are fresh arrays, as bnkit's immutable kernels
 * must allocate too, so the comparison is like for like.
 *
 * x is viewed as [outer, channels, inner] (NCHW with the channel axis 1: outer = N, inner = H·W).
 */

export interface BnGeometry {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

export interface PlainBnParams {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
}

export interface PlainBnAttrs {
  readonly eps: number;
  /** Weight of the old running value (bnkit's convention). */
  readonly momentum: number;
  /** Feed the running variance with the n/(n−1)-corrected batch variance (PyTorch) or the biased one. */
  readonly unbiased: boolean;
}

export interface PlainBnTrainOutputs {
  readonly y: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  readonly mean: Float32Array;
  readonly invStd: Float32Array;
}

export interface PlainBnGradients {
  readonly dx: Float32Array;
  readonly dgamma: Float32Array;
  readonly dbeta: Float32Array;
}

/** Σ x[i] over [begin, end), four accumulators. */
function runSum(x: Float32Array, begin: number, end: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = begin;
  for (; i + 3 < end; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < end; i++) s0 += x[i];
  return s0 + s1 + (s2 + s3);
}

/** Σ (x[i] − m)² over [begin, end), four accumulators. */
function runSquaredDeviation(x: Float32Array, m: number, begin: number, end: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = begin;
  for (; i + 3 < end; i += 4) {
    const d0 = x[i] - m, d1 = x[i + 1] - m, d2 = x[i + 2] - m, d3 = x[i + 3] - m;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < end; i++) {
    const d = x[i] - m;
    s0 += d * d;
  }
  return s0 + s1 + (s2 + s3);
}

/** out = x · scale[c] + shift[c], channel by channel, front to back. */
function affine(x: Float32Array, scale: Float64Array, shift: Float64Array, g: BnGeometry): Float32Array {
  const { outer, channels, inner } = g;
  const y = new Float32Array(x.length);
  for (let o = 0, run = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++, run += inner) {
      const s = scale[c], t = shift[c];
      for (let i = run, end = run + inner; i < end; i++) y[i] = x[i] * s + t;
    }
  }
  return y;
}

/** Training forward: batch statistics, normalised output and updated running statistics. */
export function plainBatchNormTrain(x: Float32Array, p: PlainBnParams, g: BnGeometry, a: PlainBnAttrs): PlainBnTrainOutputs {
  const { outer, channels, inner } = g;
  const count = outer * inner;
  const sums = new Float64Array(channels);
  for (let o = 0, run = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++, run += inner) sums[c] += runSum(x, run, run + inner);
  }
  const m = new Float64Array(channels);
  for (let c = 0; c < channels; c++) m[c] = sums[c] / count;
  const squares = new Float64Array(channels);
  for (let o = 0, run = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++, run += inner) squares[c] += runSquaredDeviation(x, m[c], run, run + inner);
  }
  const mean = new Float32Array(channels);
  const invStd = new Float32Array(channels);
  const runningMean = new Float32Array(channels);
  const runningVar = new Float32Array(channels);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const variance = squares[c] / count;
    const is = 1 / Math.sqrt(variance + a.eps);
    // y = (x − m)·is·γ + β folded into one multiply-add per element.
    scale[c] = p.gamma[c] * is;
    shift[c] = p.beta[c] - m[c] * scale[c];
    mean[c] = m[c];
    invStd[c] = is;
    const fed = a.unbiased ? squares[c] / (count - 1) : variance;
    runningMean[c] = a.momentum * p.runningMean[c] + (1 - a.momentum) * m[c];
    runningVar[c] = a.momentum * p.runningVar[c] + (1 - a.momentum) * fed;
  }
  return { y: affine(x, scale, shift, g), runningMean, runningVar, mean, invStd };
}

/**
 * Training backward from the saved mean and invStd:
 * dx = γ·is/n · (n·dy − Σdy − x̂·Σ(dy·x̂)), folded per channel into dx = α·dy + β·x + δ.
 * The saved mean is float32, as the contract stores it; on data far from zero its rounding is large next
 * to the spread, so the pass also sums x − mean and re-centres on the exact mean (mean + Σ(x − mean)/n).
 */
export function plainBatchNormTrainBackward(
  x: Float32Array, dy: Float32Array, gamma: Float32Array, mean: Float32Array, invStd: Float32Array, g: BnGeometry,
): PlainBnGradients {
  const { outer, channels, inner } = g;
  const count = outer * inner;
  const sumDy = new Float64Array(channels);
  const sumDyXc = new Float64Array(channels);
  const sumXc = new Float64Array(channels);
  for (let o = 0, run = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++, run += inner) {
      const m = mean[c];
      // Three sums unrolled by two: six independent chains, as in the forward reductions.
      let d0 = 0, d1 = 0, p0 = 0, p1 = 0, s0 = 0, s1 = 0;
      let i = run;
      const end = run + inner;
      for (; i + 1 < end; i += 2) {
        const dy0 = dy[i], dy1 = dy[i + 1], xc0 = x[i] - m, xc1 = x[i + 1] - m;
        d0 += dy0;
        d1 += dy1;
        p0 += dy0 * xc0;
        p1 += dy1 * xc1;
        s0 += xc0;
        s1 += xc1;
      }
      for (; i < end; i++) {
        const xc = x[i] - m;
        d0 += dy[i];
        p0 += dy[i] * xc;
        s0 += xc;
      }
      sumDy[c] += d0 + d1;
      sumDyXc[c] += p0 + p1;
      sumXc[c] += s0 + s1;
    }
  }
  const dgamma = new Float32Array(channels);
  const dbeta = new Float32Array(channels);
  const alpha = new Float64Array(channels);
  const beta = new Float64Array(channels);
  const delta = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const is = invStd[c];
    const shift = sumXc[c] / count; // exact mean − saved mean
    const dg = (sumDyXc[c] - shift * sumDy[c]) * is;
    alpha[c] = gamma[c] * is;
    beta[c] = (-alpha[c] * is * dg) / count;
    delta[c] = (-alpha[c] * sumDy[c]) / count - beta[c] * (mean[c] + shift);
    dgamma[c] = dg;
    dbeta[c] = sumDy[c];
  }
  const dx = new Float32Array(x.length);
  for (let o = 0, run = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++, run += inner) {
      const a = alpha[c], b = beta[c], d = delta[c];
      for (let i = run, end = run + inner; i < end; i++) dx[i] = a * dy[i] + b * x[i] + d;
    }
  }
  return { dx, dgamma, dbeta };
}

/** Eval forward with the running statistics: y = x·s + t per channel. */
export function plainBatchNormEval(x: Float32Array, p: PlainBnParams, g: BnGeometry, eps: number): Float32Array {
  const scale = new Float64Array(g.channels);
  const shift = new Float64Array(g.channels);
  for (let c = 0; c < g.channels; c++) {
    scale[c] = p.gamma[c] / Math.sqrt(p.runningVar[c] + eps);
    shift[c] = p.beta[c] - p.runningMean[c] * scale[c];
  }
  return affine(x, scale, shift, g);
}
