import type { BatchNormAttrs } from './batchnorm.js';
import type { Tensor } from './tensor.js';

/*
 * The kernel set of the contract. Every kernel is asynchronous (returns a Promise) so that a GPU backend,
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

export interface BatchNormKernels {
  /**
   * Training forward: normalise with batch statistics, return updated running statistics.
   * NaN/±Inf in x: its channel's y, invStd, runningVar NaN, mean/runningMean non-finite; other channels bit for bit unaffected (docs/nan-semantics.md).
   */
  batchNormTrain(inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<BatchNormTrainOutputs>;
  /**
   * `dx = gamma·invStd/n · (n·dy − Σdy − xhat·Σ(dy·xhat))`, with dgamma and dbeta.
   * NaN/±Inf in x or dy make its channel's dx and dgamma non-finite (dbeta too for dy; dbeta ignores x); other channels unaffected.
   */
  batchNormTrainBackward(inputs: BatchNormTrainBackwardInputs, attrs: BatchNormAttrs): Promise<BatchNormGradients>;
  /**
   * Eval forward: normalise with the running statistics, which stay untouched.
   * Elementwise: a NaN/±Inf in x changes only its own y (NaN, or ±Inf times the sign of gamma).
   */
  batchNormEval(inputs: BatchNormInputs, attrs: BatchNormAttrs): Promise<Tensor>;
  /**
   * `dx = dy · gamma / sqrt(runningVar + eps)`; dgamma and dbeta as in training with xhat from running stats.
   * A NaN/±Inf in dy changes only its own dx (x never reaches dx); a bad x or dy makes its channel's dgamma non-finite, dbeta too for dy.
   */
  batchNormEvalBackward(inputs: BatchNormEvalBackwardInputs, attrs: BatchNormAttrs): Promise<BatchNormGradients>;
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

export interface TrainingKernels {
  conv2d(inputs: Conv2dInputs, attrs: Conv2dAttrs): Promise<Tensor>;
  conv2dBackward(inputs: Conv2dBackwardInputs, attrs: Conv2dBackwardAttrs): Promise<ParameterGradients>;
  linear(inputs: LinearInputs): Promise<Tensor>;
  linearBackward(inputs: LinearBackwardInputs): Promise<Required<ParameterGradients>>;
  avgPool2d(inputs: { readonly x: Tensor }, attrs: Pool2dAttrs): Promise<Tensor>;
  avgPool2dBackward(inputs: { readonly x: Tensor; readonly dy: Tensor }, attrs: Pool2dAttrs): Promise<Tensor>;
  /** NaN is the largest value: a window holding one gives NaN, and the gradient goes to its first NaN. */
  maxPool2d(inputs: { readonly x: Tensor }, attrs: Pool2dAttrs): Promise<Tensor>;
  maxPool2dBackward(inputs: { readonly x: Tensor; readonly dy: Tensor }, attrs: Pool2dAttrs): Promise<Tensor>;
  sigmoid(inputs: { readonly x: Tensor }): Promise<Tensor>;
  /** Uses the forward output: dx = dy · y · (1 − y). */
  sigmoidBackward(inputs: { readonly y: Tensor; readonly dy: Tensor }): Promise<Tensor>;
  /** relu(NaN) = NaN. */
  relu(inputs: { readonly x: Tensor }): Promise<Tensor>;
  /** dx = 0 where x <= 0, else dy: x = NaN passes dy (PyTorch's threshold_backward), a bad dy where x <= 0 gives 0. */
  reluBackward(inputs: { readonly x: Tensor; readonly dy: Tensor }): Promise<Tensor>;
  /**
   * Numerically stable for large logits (log-sum-exp with the maximum subtracted).
   * A NaN or +Inf logit makes its row's loss, the mean loss and its row's dlogits NaN; other rows' dlogits unaffected.
   */
  softmaxCrossEntropy(inputs: SoftmaxCrossEntropyInputs): Promise<SoftmaxCrossEntropyOutputs>;
  /** Plain SGD: returns `param − lr · grad` as a new handle. */
  sgd(inputs: { readonly param: Tensor; readonly grad: Tensor }, attrs: SgdAttrs): Promise<Tensor>;
  /**
   * Index of the maximum along the last axis (first one on ties), int32, rank reduced by one.
   * NaN counts as the maximum (the first NaN of a row wins), as in PyTorch.
   */
  argmax(inputs: { readonly x: Tensor }): Promise<Tensor>;
}

export type KernelGroup = 'batchNorm' | 'training';

export const KERNEL_GROUPS: { readonly [G in KernelGroup]: readonly string[] } = {
  batchNorm: ['batchNormTrain', 'batchNormTrainBackward', 'batchNormEval', 'batchNormEvalBackward'],
  training: [
    'conv2d', 'conv2dBackward', 'linear', 'linearBackward', 'avgPool2d', 'avgPool2dBackward',
    'maxPool2d', 'maxPool2dBackward', 'sigmoid', 'sigmoidBackward', 'relu', 'reluBackward',
    'softmaxCrossEntropy', 'sgd', 'argmax',
  ],
};

export type KernelName = keyof BatchNormKernels | keyof TrainingKernels;
