import { BATCH_NORM_DEFAULTS, batchNormLayout, sizeOf, type BatchNormAttrs, type RunningVarEstimator } from '@bnkit/core';
import fc from 'fast-check';
import { mulberry32 } from '@bnkit/nn';
import { uniform } from './random.js';

/**
 * What a BatchNorm property draws: geometry, attributes and the recipe of the data. Tensors are filled by
 * `materialise` from `dataSeed`, so the printed counterexample is this small object.
 */
export interface BnCase {
  readonly shape: readonly number[];
  readonly axis: number;
  readonly eps: number;
  readonly momentum: number;
  readonly runningVar: RunningVarEstimator;
  readonly dataSeed: number;
  /** Spread of x around its offset. */
  readonly scale: number;
  /** Offset of x in units of `scale`: large offsets catch one-pass float32 variance. */
  readonly offset: number;
}

export interface BnCaseOptions {
  readonly minRank?: number;
  readonly maxRank?: number;
  readonly maxDim?: number;
  /**
   * Also draw, one time in twenty, a batch of 8..64 samples (up to ~14k values): long reductions are where
   * float32 accumulation and work-splitting bugs show. Default true.
   */
  readonly largeBatches?: boolean;
  /** Keep the channel axis off axis 0, so axis 0 is a batch axis that can be sliced. */
  readonly batchAxisFirst?: boolean;
  /** Largest |offset| / scale drawn. */
  readonly maxOffset?: number;
  readonly eps?: fc.Arbitrary<number>;
}

export const epsArbitrary = fc.constantFrom(1e-5, 1e-3, 1e-2, 0.1);
/** Edge values 0 and 1 and the default are drawn often; any other value in [0, 1] too. */
export const momentumArbitrary = fc.oneof(fc.constantFrom(0, 1, BATCH_NORM_DEFAULTS.momentum), fc.double({ min: 0, max: 1, noNaN: true }));

export function bnCase(options: BnCaseOptions = {}): fc.Arbitrary<BnCase> {
  const { minRank = 2, maxRank = 4, maxDim = 5, batchAxisFirst = false, maxOffset = 30, largeBatches = true } = options;
  const small = (rank: number) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: rank, maxLength: rank });
  const large = (rank: number) =>
    fc.tuple(fc.integer({ min: 8, max: 64 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: rank - 1, maxLength: rank - 1 })).map(([n, rest]) => [n, ...rest]);
  return fc
    .integer({ min: minRank, max: maxRank })
    .chain((rank) =>
      fc.record({
        shape: largeBatches ? fc.oneof({ weight: 19, arbitrary: small(rank) }, { weight: 1, arbitrary: large(rank) }) : small(rank),
        axis: batchAxisFirst
          ? fc.integer({ min: 1, max: rank - 1 }).chain((a) => fc.constantFrom(a, a - rank))
          : fc.integer({ min: -rank, max: rank - 1 }),
        eps: options.eps ?? epsArbitrary,
        momentum: momentumArbitrary,
        runningVar: fc.constantFrom<RunningVarEstimator>('unbiased', 'biased'),
        dataSeed: fc.integer({ min: 0, max: 0x7fffffff }),
        scale: fc.constantFrom(0.5, 1, 3),
        offset: fc.constantFrom(0, 3, -maxOffset),
      }),
    )
    .map((c) => ({ ...c, shape: withTrainableBatch(c.shape, c.axis) }));
}

/** Grows axis 0 (or the first non-channel axis) until every channel has at least two values. */
function withTrainableBatch(shape: number[], axis: number): number[] {
  const s = [...shape];
  const { axis: a, count } = batchNormLayout(s, axis);
  if (count < 2) s[a === 0 ? 1 : 0] = 2;
  return s;
}

export function attrsOf(c: BnCase): BatchNormAttrs {
  return { axis: c.axis, eps: c.eps, momentum: c.momentum, runningVar: c.runningVar };
}

export interface BnData {
  readonly x: Float32Array;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  readonly dy: Float32Array;
}

export function channelsOf(c: BnCase): number {
  return batchNormLayout(c.shape, c.axis).channels;
}

/** Fills the tensors of a case: gamma away from 0 with either sign, positive running variances. */
export function materialise(c: BnCase): BnData {
  const next = mulberry32(c.dataSeed);
  const channels = channelsOf(c);
  const n = sizeOf(c.shape);
  const x = uniform(next, n, -c.scale, c.scale).map((v) => v + c.offset * c.scale);
  const gamma = uniform(next, channels, 0.5, 2).map((g) => (next() < 0.5 ? -g : g));
  return {
    x,
    gamma,
    beta: uniform(next, channels, -1, 1),
    runningMean: uniform(next, channels, -1, 1),
    runningVar: uniform(next, channels, 0.5, 2),
    dy: uniform(next, n, -1, 1),
  };
}
