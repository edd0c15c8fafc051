import type { Tensor } from './tensor.js';

/*
 * The inputs, attributes and outputs of the contract's kernels; the kernel table (kernel-table.ts) names
 * the kernels and derives their interfaces from these. Every kernel is asynchronous (returns a Promise) so that a GPU backend,
 * whose work completes later, fits without change; a CPU backend simply resolves at once. Kernels never
 * mutate their inputs: updated running statistics and parameters come back as new handles, and the caller
 * disposes what it no longer needs.
 */

// ---------------------------------------------------------------------------------------------- BatchNorm

export interface BatchNormInputs {
  /** Any rank >= 2; channel axis given by attrs.axis. */
  readonly x: Tensor;
  /** Shape [C]. */
  readonly gamma: Tensor;
  /** Shape [C]. */
  readonly beta: Tensor;
  /** Shape [C]. */
  readonly runningMean: Tensor;
  /** Shape [C]. */
  readonly runningVar: Tensor;
}

export interface BatchNormTrainOutputs {
  readonly y: Tensor;
  /** `momentum * runningMean + (1 - momentum) * batchMean`. */
  readonly runningMean: Tensor;
  /** `momentum * runningVar + (1 - momentum) * batchVar`, batchVar per attrs.runningVar. */
  readonly runningVar: Tensor;
  /**
   * Batch mean per channel, shape [C], as float32 (saved for the backward pass). Normative: a backward
   * kernel may use it as given (PyTorch's float32 kernels do) or refine it from x by one extra pass (the
   * bnkit backends do); both are conformant, and the suite's tolerances are calibrated on a float32
   * implementation that does not refine. Refining is more accurate when data sit on an offset of many
   * standard deviations, where the float32 rounding of the mean is a visible fraction of a deviation.
   */
  readonly mean: Tensor;
  /** `1 / sqrt(biasedBatchVar + eps)` per channel, shape [C] (saved for the backward pass). */
  readonly invStd: Tensor;
}

export interface BatchNormTrainBackwardInputs {
  readonly x: Tensor;
  readonly dy: Tensor;
  readonly gamma: Tensor;
  /** From the forward call. */
  readonly mean: Tensor;
  /** From the forward call. */
  readonly invStd: Tensor;
}

export interface BatchNormEvalBackwardInputs {
  readonly x: Tensor;
  readonly dy: Tensor;
  readonly gamma: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
}

export interface BatchNormGradients {
  readonly dx: Tensor;
  /** `Σ dy · xhat` per channel. */
  readonly dgamma: Tensor;
  /** `Σ dy` per channel. */
  readonly dbeta: Tensor;
}

// ----------------------------------------------------------------------------------------------- Training

/** [height, width]. */
export type Pair = readonly [number, number];

/**
 * conv2d attributes as a backend's kernel receives them: complete, because `checked()` fills the defaults
 * before validating. Callers pass a `Conv2dAttrsInit`.
 */
export interface Conv2dAttrs {
  readonly stride: Pair;
  /** Zero padding on each side. */
  readonly padding: Pair;
}

/** conv2d attributes as a caller passes them: every field has a default (stride [1, 1], padding [0, 0]). */
export type Conv2dAttrsInit = Partial<Conv2dAttrs>;

/** Layout NCHW for x and y, OIHW for the weight (PyTorch's). */
export interface Conv2dInputs {
  readonly x: Tensor;
  readonly weight: Tensor;
  readonly bias: Tensor;
}

export interface Conv2dBackwardInputs {
  readonly x: Tensor;
  readonly weight: Tensor;
  readonly dy: Tensor;
}

/** conv2dBackward attributes as a backend's kernel receives them (complete; see Conv2dAttrs). */
export interface Conv2dBackwardAttrs extends Conv2dAttrs {
  /** When false the input gradient is not computed (a network's first layer needs none). */
  readonly inputGradient: boolean;
}

/** conv2dBackward attributes as a caller passes them: conv2d's defaults, and `inputGradient` defaults to true. */
export type Conv2dBackwardAttrsInit = Partial<Conv2dBackwardAttrs>;

export interface ParameterGradients {
  /** Absent only when `inputGradient: false` was asked for. */
  readonly dx?: Tensor;
  readonly dweight: Tensor;
  readonly dbias: Tensor;
}

/** x [N, in], weight [out, in] (PyTorch's layout), bias [out] → y [N, out]. */
export interface LinearInputs {
  readonly x: Tensor;
  readonly weight: Tensor;
  readonly bias: Tensor;
}

export interface LinearBackwardInputs {
  readonly x: Tensor;
  readonly weight: Tensor;
  readonly dy: Tensor;
}

/**
 * Pooling over NCHW. Padding is implicit zeros for average pooling and counts in the divisor (PyTorch's
 * `count_include_pad=True`), and is -Infinity for max pooling. Max pooling's gradient goes to the first
 * maximum of each window in row-major order.
 */
export interface Pool2dAttrs {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
}

/**
 * Pooling attributes as a caller passes them: `kernel` is required (there is no sensible default window),
 * `stride` defaults to the kernel size and `padding` to [0, 0]. A backend's kernel receives `Pool2dAttrs`,
 * complete, because `checked()` fills the defaults.
 */
export type Pool2dAttrsInit = Pick<Pool2dAttrs, 'kernel'> & Partial<Omit<Pool2dAttrs, 'kernel'>>;

export interface SoftmaxCrossEntropyInputs {
  /** [N, K]. */
  readonly logits: Tensor;
  /** int32 [N], each in [0, K). */
  readonly labels: Tensor;
}

export interface SoftmaxCrossEntropyOutputs {
  /** Mean over the batch, shape [1]. */
  readonly loss: Tensor;
  /** Gradient of the mean loss, [N, K]. */
  readonly dlogits: Tensor;
}

export interface SgdAttrs {
  readonly lr: number;
}
