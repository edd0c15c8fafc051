import { mulberry32, BATCH_NORM_DEFAULTS, batchNormLayout, sizeOf, type BatchNormAttrs, type RunningVarEstimator, uniform } from '@bnkit/core';
import fc from 'fast-check';

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
  /** Highest rank drawn; default 5 (the contract allows any rank >= 2, and rank 5 is NCDHW). */
  readonly maxRank?: number;
  /** Largest extent of one axis in the ordinary draws. */
  readonly maxDim?: number;
  /** Upper bound on the values of an ordinary draw: higher ranks get shorter axes. Default: no bound. */
  readonly maxValues?: number;
  /**
   * Also draw, one time in twenty, a batch of 8..64 samples (up to ~14k values), and one time in fifty a
   * case whose channels hold >= 100k values each: long reductions are where float32 accumulation and
   * work-splitting bugs show. Default true.
   */
  readonly largeBatches?: boolean;
  /** Keep the channel axis off axis 0, so axis 0 is a batch axis that can be sliced. */
  readonly batchAxisFirst?: boolean;
  /** Largest |offset| / scale drawn. */
  readonly maxOffset?: number;
  readonly eps?: fc.Arbitrary<number>;
}

/** From the tiniest eps real code uses (1e-12, mxnet's) to Keras's 1e-3 and beyond. */
export const epsArbitrary = fc.constantFrom(1e-12, 1e-8, 1e-5, 1e-3, 1e-2, 0.1);
/** Edge values 0 and 1 and the default are drawn often; any other value in [0, 1] too. */
export const momentumArbitrary = fc.oneof(fc.constantFrom(0, 1, BATCH_NORM_DEFAULTS.momentum), fc.double({ min: 0, max: 1, noNaN: true }));
/** Spreads of x: 1e-3 makes the variance small, so a tiny eps is what normalises (and invStd is large). */
const scaleArbitrary = fc.constantFrom(1e-3, 0.5, 1, 3);

/** Values per channel of a long case: past 100k, where float32 accumulation visibly loses digits. */
export const LONG_CHANNEL = 100_000;

/**
 * A case whose channels hold >= LONG_CHANNEL values: [n, C, m] or [m, C] with few channels, the channel
 * axis given positively or negatively.
 */
function longShapeAndAxis(batchAxisFirst: boolean): fc.Arbitrary<{ shape: number[]; axis: number }> {
  return fc
    .record({ rank: fc.constantFrom(2, 3), n: fc.integer({ min: 1, max: 4 }), channels: fc.integer({ min: 1, max: 3 }), extra: fc.nat(4096), negative: fc.boolean() })
    .map(({ rank, n, channels, extra, negative }) => {
      const m = Math.ceil((LONG_CHANNEL + extra) / (rank === 3 ? n : 1));
      const shape = rank === 3 ? [n, channels, m] : [m, channels];
      const axis = negative && !batchAxisFirst ? 1 - rank : 1;
      return { shape, axis };
    });
}

export function bnCase(options: BnCaseOptions = {}): fc.Arbitrary<BnCase> {
  const { minRank = 2, maxRank = 5, maxDim = 5, maxValues = Infinity, batchAxisFirst = false, maxOffset = 30, largeBatches = true } = options;
  const dimsFor = (rank: number) => Math.max(1, Math.min(maxDim, Math.floor(maxValues ** (1 / rank))));
  const small = (rank: number) => fc.array(fc.integer({ min: 1, max: dimsFor(rank) }), { minLength: rank, maxLength: rank });
  const large = (rank: number) =>
    fc.tuple(fc.integer({ min: 8, max: 64 }), fc.array(fc.integer({ min: 1, max: rank >= 5 ? 4 : 6 }), { minLength: rank - 1, maxLength: rank - 1 })).map(([n, rest]) => [n, ...rest]);
  const axisFor = (rank: number) =>
    batchAxisFirst ? fc.integer({ min: 1, max: rank - 1 }).chain((a) => fc.constantFrom(a, a - rank)) : fc.integer({ min: -rank, max: rank - 1 });
  const ordinary = fc.integer({ min: minRank, max: maxRank }).chain((rank) =>
    fc.record({
      shape: largeBatches ? fc.oneof({ weight: 19, arbitrary: small(rank) }, { weight: 1, arbitrary: large(rank) }) : small(rank),
      axis: axisFor(rank),
    }),
  );
  const geometry = largeBatches && minRank <= 3
    ? fc.oneof({ weight: 49, arbitrary: ordinary }, { weight: 1, arbitrary: longShapeAndAxis(batchAxisFirst).filter((g) => g.shape.length >= minRank) })
    : ordinary;
  return fc
    .record({
      geometry,
      eps: options.eps ?? epsArbitrary,
      momentum: momentumArbitrary,
      runningVar: fc.constantFrom<RunningVarEstimator>('unbiased', 'biased'),
      dataSeed: fc.integer({ min: 0, max: 0x7fffffff }),
      scale: scaleArbitrary,
      offset: fc.constantFrom(0, 3, -maxOffset),
    })
    .map(({ geometry: g, ...c }) => ({ ...c, axis: g.axis, shape: withTrainableBatch(g.shape, g.axis) }));
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

/**
 * Fills the tensors of a case: gamma away from 0 with either sign, positive running variances. fast-check
 * draws only the compact case (with its integer data seed); the values come from @bnkit/data's seeded
 * mulberry32, so a printed counterexample stays short and replays exactly. Never Math.random().
 */
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
