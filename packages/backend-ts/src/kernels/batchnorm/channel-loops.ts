import type { ChannelTiling } from './geometry.js';

/*
 * The element loops of every BatchNorm kernel. Each walks the strided runs of `ChannelTiling` (see
 * geometry.ts) and hands one run of one channel to a helper with that channel's values in locals. Sums
 * are float64 (JS numbers) with several independent accumulators: a single chain of dependent float adds,
 * not memory, is what limits a plain sum loop in V8 (measured 2.2 ms → 1.3 ms for BN forward on
 * (256, 6, 24, 24)). The element-wise maps keep a separate loop for contiguous runs, stepping by a constant
 * (V8 compiled it about 25 % faster than the same loop stepping by a variable stride of 1) and four-way
 * unrolled (another 15–20 %). The drivers copy the tiling into locals first: reading its fields in the loop
 * headers measured 20 % slower.
 *
 * Every unrolled loop stops while values are left (1–2 in the sums, 1–4 in the maps), so its tail loop
 * runs on every call. A tail that only some shapes reach has no type feedback when V8 first optimizes the
 * loop on other shapes; V8 then deoptimized the loop on each call that reached it, over and over, from its
 * cached on-stack-replacement code: that alone took 21 % of a LeNet-BN training step (BN of the fc layers).
 */

/** Per-channel sums of one pass over x, see `channelShiftedMoments`. */
export interface ShiftedMoments {
  /** The value each channel's data were shifted by: its first value when finite, else 0. */
  readonly shift: Float64Array;
  /** Σ (x − shift). */
  readonly sum: Float64Array;
  /** Σ (x − shift)². */
  readonly sumSquares: Float64Array;
}

/** Adds one run's Σ (x − shift) and Σ (x − shift)² to slot c; two-way unrolled, two sums give four chains. */
function accumulateMomentsRun(x: Float32Array, shift: number, begin: number, end: number, stride: number, c: number, m: ShiftedMoments): void {
  let s0 = 0, s1 = 0, q0 = 0, q1 = 0;
  let i = begin;
  for (const step = 2 * stride; i + step < end; i += step) {
    const d0 = x[i] - shift, d1 = x[i + stride] - shift;
    s0 += d0;
    s1 += d1;
    q0 += d0 * d0;
    q1 += d1 * d1;
  }
  for (; i < end; i += stride) {
    const d = x[i] - shift;
    s0 += d;
    q0 += d * d;
  }
  m.sum[c] += s0 + s1;
  m.sumSquares[c] += q0 + q1;
}

/**
 * Σ (x − shift[c]) and Σ (x − shift[c])² per channel in one pass, with shift[c] one of the channel's own
 * values. Then mean = shift + Σ/n and n·variance = Σ² − (Σ)²/n. Shifting by a value of the data keeps
 * this exact where the textbook E[x²] − E[x]² cancels: (shift − mean)² ≤ n·variance, so the subtraction
 * loses at most a factor n of float64's 1e-16, 1.5e-11 relative on a LeNet batch, far below float32 (the
 * large-offset fixture, 1000 ± 0.006, holds its tolerance as with two passes). A non-finite first value
 * would poison the channel's shift, so such a channel is shifted by 0 (its statistics are NaN or ±Inf anyway).
 */
export function channelShiftedMoments(x: Float32Array, t: ChannelTiling): ShiftedMoments {
  const { channels, tiles, tileStep, channelStep, stride, length, lastLength } = t;
  const m: ShiftedMoments = { shift: new Float64Array(channels), sum: new Float64Array(channels), sumSquares: new Float64Array(channels) };
  for (let c = 0; c < channels; c++) {
    const first = x[c * channelStep];
    m.shift[c] = Number.isFinite(first) ? first : 0;
  }
  for (let tile = 0; tile < tiles; tile++) {
    const span = (tile === tiles - 1 ? lastLength : length) * stride;
    for (let c = 0, begin = tile * tileStep; c < channels; c++, begin += channelStep) {
      accumulateMomentsRun(x, m.shift[c], begin, begin + span, stride, c, m);
    }
  }
  return m;
}

/** Per-channel sums of one pass over dy and x, see `channelGradientSums`. */
export interface GradientSums {
  /** Σ dy. */
  readonly sumDy: Float64Array;
  /** Σ dy · (x − center). */
  readonly sumDyCentered: Float64Array;
  /** Σ (x − center): zero when center is the exact batch mean, so it measures how far a stored mean is off. */
  readonly sumCentered: Float64Array;
}

/** Adds one run's Σ dy, Σ dy · (x − center), Σ (x − center) to slot c; two-way unrolled, three sums give six chains. */
function accumulateGradientRun(
  dy: Float32Array, x: Float32Array, center: number, begin: number, end: number, stride: number, c: number, sums: GradientSums,
): void {
  let d0 = 0, d1 = 0, p0 = 0, p1 = 0, s0 = 0, s1 = 0;
  let i = begin;
  for (const step = 2 * stride; i + step < end; i += step) {
    const dy0 = dy[i], dy1 = dy[i + stride], xc0 = x[i] - center, xc1 = x[i + stride] - center;
    d0 += dy0;
    d1 += dy1;
    p0 += dy0 * xc0;
    p1 += dy1 * xc1;
    s0 += xc0;
    s1 += xc1;
  }
  for (; i < end; i += stride) {
    const dyi = dy[i], xc = x[i] - center;
    d0 += dyi;
    p0 += dyi * xc;
    s0 += xc;
  }
  sums.sumDy[c] += d0 + d1;
  sums.sumDyCentered[c] += p0 + p1;
  sums.sumCentered[c] += s0 + s1;
}

/** Σ dy, Σ dy · (x − center[c]) and Σ (x − center[c]) per channel, in one pass: what both backward kernels need. */
export function channelGradientSums(dy: Float32Array, x: Float32Array, center: Float64Array, t: ChannelTiling): GradientSums {
  const { channels, tiles, tileStep, channelStep, stride, length, lastLength } = t;
  const sums: GradientSums = {
    sumDy: new Float64Array(channels),
    sumDyCentered: new Float64Array(channels),
    sumCentered: new Float64Array(channels),
  };
  for (let tile = 0; tile < tiles; tile++) {
    const span = (tile === tiles - 1 ? lastLength : length) * stride;
    for (let c = 0, begin = tile * tileStep; c < channels; c++, begin += channelStep) {
      accumulateGradientRun(dy, x, center[c], begin, begin + span, stride, c, sums);
    }
  }
  return sums;
}

/**
 * out = `(src − center[c]) · scale[c] + shift[c]`. Centering first (rather than folding center into the
 * shift) keeps the result exact to float64 rounding when the data sit on a large offset.
 */
export function channelAffine(
  src: Float32Array, center: Float64Array, scale: Float64Array, shift: Float64Array, t: ChannelTiling, out: Float32Array,
): void {
  const { channels, tiles, tileStep, channelStep, stride, length, lastLength } = t;
  for (let tile = 0; tile < tiles; tile++) {
    const span = (tile === tiles - 1 ? lastLength : length) * stride;
    for (let c = 0, begin = tile * tileStep; c < channels; c++, begin += channelStep) {
      const m = center[c], s = scale[c], b = shift[c];
      const end = begin + span;
      let i = begin;
      if (stride === 1) {
        for (; i + 4 < end; i += 4) {
          const y0 = (src[i] - m) * s + b, y1 = (src[i + 1] - m) * s + b, y2 = (src[i + 2] - m) * s + b, y3 = (src[i + 3] - m) * s + b;
          out[i] = y0; out[i + 1] = y1; out[i + 2] = y2; out[i + 3] = y3;
        }
        for (; i < end; i++) out[i] = (src[i] - m) * s + b;
      } else for (; i < end; i += stride) out[i] = (src[i] - m) * s + b;
    }
  }
}

/** out = `dyScale[c] · dy + xScale[c] · (x − center[c]) + shift[c]`: the training-mode dx. */
export function channelInputGradient(
  dy: Float32Array, x: Float32Array, center: Float64Array,
  dyScale: Float64Array, xScale: Float64Array, shift: Float64Array, t: ChannelTiling, out: Float32Array,
): void {
  const { channels, tiles, tileStep, channelStep, stride, length, lastLength } = t;
  for (let tile = 0; tile < tiles; tile++) {
    const span = (tile === tiles - 1 ? lastLength : length) * stride;
    for (let c = 0, begin = tile * tileStep; c < channels; c++, begin += channelStep) {
      const m = center[c], a = dyScale[c], k = xScale[c], b = shift[c];
      const end = begin + span;
      let i = begin;
      if (stride === 1) {
        for (; i + 4 < end; i += 4) {
          const d0 = a * dy[i] + k * (x[i] - m) + b, d1 = a * dy[i + 1] + k * (x[i + 1] - m) + b;
          const d2 = a * dy[i + 2] + k * (x[i + 2] - m) + b, d3 = a * dy[i + 3] + k * (x[i + 3] - m) + b;
          out[i] = d0; out[i + 1] = d1; out[i + 2] = d2; out[i + 3] = d3;
        }
        for (; i < end; i++) out[i] = a * dy[i] + k * (x[i] - m) + b;
      } else for (; i < end; i += stride) out[i] = a * dy[i] + k * (x[i] - m) + b;
    }
  }
}
