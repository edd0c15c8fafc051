import { AxisError, DegenerateBatchError, EpsError, InvalidArgumentError, MomentumError, ShapeError } from './errors.js';
import { formatShape, type Shape } from './shape.js';
import { describeValue } from './describe-value.js';

/**
 * Which variance feeds the running average. The variance used to normalise is always the biased one
 * (divide by n); the running estimate may use the unbiased n/(n-1) correction (PyTorch, the default) or
 * the biased value (Keras 3, ONNX, the d2l scratch implementation).
 */
export type RunningVarEstimator = 'unbiased' | 'biased';

/**
 * BatchNorm attributes with every convention explicit. See the semantics table in the README:
 * frameworks disagree on each of these, so none is left implicit.
 */
export interface BatchNormAttrs {
  /** Channel axis; negative counts from the end. Statistics are taken over every other axis. */
  readonly axis: number;
  /** Added to the variance inside the square root. Must be finite and > 0. */
  readonly eps: number;
  /**
   * Weight of the OLD running value: `running = momentum * running + (1 - momentum) * batchStat`.
   * PyTorch's `momentum=0.1` is bnkit's 0.9; Keras's 0.99 is bnkit's 0.99. Must lie in [0, 1].
   */
  readonly momentum: number;
  readonly runningVar: RunningVarEstimator;
}

export const BATCH_NORM_DEFAULTS: BatchNormAttrs = Object.freeze({
  axis: 1,
  eps: 1e-5,
  momentum: 0.9,
  runningVar: 'unbiased',
});

/** Fills unspecified attributes with the defaults and validates the result. */
export function batchNormAttrs(partial: Partial<BatchNormAttrs> = {}): BatchNormAttrs {
  const attrs = { ...BATCH_NORM_DEFAULTS, ...partial };
  validateBatchNormAttrs(attrs);
  return Object.freeze(attrs);
}

/** The four BatchNorm attributes; each is required in a kernel call, because each is a convention frameworks disagree on. */
const BATCH_NORM_ATTRIBUTES = ['axis', 'eps', 'momentum', 'runningVar'] as const;

export function validateBatchNormAttrs(attrs: BatchNormAttrs): void {
  if (attrs === null || typeof attrs !== 'object') {
    throw new InvalidArgumentError(
      `BatchNorm attributes must be an object with ${BATCH_NORM_ATTRIBUTES.join(', ')}, got ${describeValue(attrs)} (batchNormAttrs() fills the defaults)`,
    );
  }
  for (const key of BATCH_NORM_ATTRIBUTES) {
    if (attrs[key] === undefined) {
      throw new InvalidArgumentError(
        `BatchNorm attribute '${key}' is missing: every BatchNorm convention must be explicit in a kernel call (batchNormAttrs() fills the defaults)`,
      );
    }
  }
  if (typeof attrs.eps !== 'number' || !Number.isFinite(attrs.eps) || attrs.eps <= 0) {
    throw new EpsError(`eps must be a finite number > 0, got ${describeValue(attrs.eps)}`);
  }
  if (typeof attrs.momentum !== 'number' || !(attrs.momentum >= 0 && attrs.momentum <= 1)) {
    throw new MomentumError(
      `momentum is the weight of the old running value and must lie in [0, 1], got ${describeValue(attrs.momentum)} ` +
        `(PyTorch's momentum=0.1 corresponds to 0.9 here)`,
    );
  }
  if (attrs.runningVar !== 'unbiased' && attrs.runningVar !== 'biased') {
    throw new InvalidArgumentError(`runningVar must be 'unbiased' or 'biased', got ${describeValue(attrs.runningVar)}`);
  }
  if (!Number.isInteger(attrs.axis)) {
    throw new AxisError(`axis must be an integer, got ${describeValue(attrs.axis)}`);
  }
}

/**
 * The geometry of a BatchNorm call: x viewed as [outer, channels, inner] with the channel axis in the
 * middle. `count` = outer * inner values per channel.
 */
export interface BatchNormLayout {
  readonly axis: number;
  readonly channels: number;
  readonly outer: number;
  readonly inner: number;
  readonly count: number;
}

/** Resolves a (possibly negative) channel axis against x's shape. */
export function batchNormLayout(xShape: Shape, axis: number): BatchNormLayout {
  const rank = xShape.length;
  if (rank < 2) {
    throw new ShapeError(`BatchNorm input must have rank >= 2 (a batch axis and a channel axis), got shape ${formatShape(xShape)}`);
  }
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new AxisError(`axis ${String(axis)} is out of range for rank ${rank}: allowed ${-rank}..${rank - 1}`);
  }
  const a = axis < 0 ? axis + rank : axis;
  let outer = 1;
  for (let i = 0; i < a; i++) outer *= xShape[i];
  let inner = 1;
  for (let i = a + 1; i < rank; i++) inner *= xShape[i];
  const channels = xShape[a];
  return { axis: a, channels, outer, inner, count: outer * inner };
}

/** Throws DegenerateBatchError when training statistics would come from one value per channel. */
export function assertTrainableBatch(xShape: Shape, layout: BatchNormLayout): void {
  if (layout.count <= 1) {
    throw new DegenerateBatchError(
      `training-mode BatchNorm needs more than one value per channel, got shape ${formatShape(xShape)} ` +
        `with channel axis ${layout.axis} (${layout.count} value per channel); use a larger batch or eval mode`,
    );
  }
}
