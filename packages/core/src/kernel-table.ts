import { conv2dAttrs, conv2dBackwardAttrs, pool2dAttrs } from './attrs.js';
import type { BatchNormAttrs } from './batchnorm.js';
import type {
  BatchNormEvalBackwardInputs, BatchNormGradients, BatchNormInputs, BatchNormTrainBackwardInputs, BatchNormTrainOutputs,
  Conv2dAttrs, Conv2dAttrsInit, Conv2dBackwardAttrs, Conv2dBackwardAttrsInit, Conv2dBackwardInputs, Conv2dInputs,
  LinearBackwardInputs, LinearInputs, ParameterGradients, Pool2dAttrs, Pool2dAttrsInit, SgdAttrs,
  SoftmaxCrossEntropyInputs, SoftmaxCrossEntropyOutputs,
} from './kernels.js';
import type { DType, Tensor } from './tensor.js';
import {
  validateArgmax, validateBatchNorm, validateConv2d, validateLabelValues, validateLinear, validatePool2d,
  validateSameShape, validateSgd, validateSoftmaxCrossEntropy,
} from './validate.js';

/*
 * The kernel table: one entry per kernel of the contract, holding its group, its tensor inputs with their
 * dtypes, how its attribute defaults are filled and how its arguments are validated, and (as types) its
 * inputs, attributes and outputs. The kernel interfaces (`BatchNormKernels`, `TrainingKernels`, the calls
 * with defaulted attributes), `KERNEL_GROUPS` and the checks `checked()` runs are all derived from it, so
 * adding a kernel is adding one entry here.
 */

/** The kernel groups: `batchNorm` every backend implements, `training` is optional and declared in `capabilities`. */
export type KernelGroup = 'batchNorm' | 'training';

/** What a kernel takes and returns. `init` is the caller's attribute type where `checked()` fills defaults. */
export interface KernelSignature {
  readonly inputs: object;
  readonly attrs?: unknown;
  readonly init?: unknown;
  readonly outputs: unknown;
}

type Read = (t: Tensor) => Promise<Float32Array | Int32Array>;

/** The runtime half of an entry, typed by its signature. */
export interface KernelSpec<S extends KernelSignature = KernelSignature, G extends KernelGroup = KernelGroup> {
  readonly group: G;
  /** Every tensor input (all required) and the dtype it must have. */
  readonly inputs: { readonly [K in keyof S['inputs']]-?: DType };
  /** Fills attribute defaults; its result is what validation and the backend see. */
  readonly attrs?: (attrs: S['init']) => S['attrs'];
  /** Shape and attribute checks, on inputs already known to be live handles of the right dtype. */
  readonly check: (inputs: S['inputs'], attrs: S['attrs']) => void;
  /** Checks that need the data, run after `check`. */
  readonly checkData?: (inputs: S['inputs'], read: Read) => Promise<void>;
}

declare const signature: unique symbol;

/** An entry of the table: the spec, carrying its signature as a type only. */
type Entry<S extends KernelSignature, G extends KernelGroup> = KernelSpec<S, G> & { readonly [signature]?: S };

function kernel<S extends KernelSignature>() {
  return <G extends KernelGroup>(spec: KernelSpec<S, G>): Entry<S, G> => spec;
}

type X = { readonly x: Tensor };
type XDy = { readonly x: Tensor; readonly dy: Tensor };
const F = 'float32';
const POOL = { group: 'training', inputs: { x: F }, attrs: pool2dAttrs, check: (i, a) => void validatePool2d(i.x, a) } as const satisfies KernelSpec<
  { inputs: X; attrs: Pool2dAttrs; init: Pool2dAttrsInit; outputs: Tensor },
  'training'
>;
const POOL_BACKWARD = {
  group: 'training', inputs: { x: F, dy: F }, attrs: pool2dAttrs, check: (i, a) => void validatePool2d(i.x, a, i.dy),
} as const satisfies KernelSpec<{ inputs: XDy; attrs: Pool2dAttrs; init: Pool2dAttrsInit; outputs: Tensor }, 'training'>;
const BN_STATS = { x: F, gamma: F, beta: F, runningMean: F, runningVar: F } as const;

export const KERNEL_TABLE = {
  // ------------------------------------------------------------------------------------------ BatchNorm
  /**
   * Training forward: normalise with batch statistics, return updated running statistics.
   * NaN/±Inf in x: its channel's y, invStd, runningVar NaN, mean/runningMean non-finite; other channels bit for bit unaffected (docs/nan-semantics.md).
   */
  batchNormTrain: kernel<{ inputs: BatchNormInputs; attrs: BatchNormAttrs; outputs: BatchNormTrainOutputs }>()({
    group: 'batchNorm', inputs: BN_STATS, check: (i, a) => void validateBatchNorm(i, a, true),
  }),
  /**
   * `dx = gamma·invStd/n · (n·dy − Σdy − xhat·Σ(dy·xhat))`, with dgamma and dbeta.
   * NaN/±Inf in x or dy make its channel's dx and dgamma non-finite (dbeta too for dy; dbeta ignores x); other channels unaffected.
   */
  batchNormTrainBackward: kernel<{ inputs: BatchNormTrainBackwardInputs; attrs: BatchNormAttrs; outputs: BatchNormGradients }>()({
    group: 'batchNorm', inputs: { x: F, dy: F, gamma: F, mean: F, invStd: F }, check: (i, a) => void validateBatchNorm(i, a, true),
  }),
  /**
   * Eval forward: normalise with the running statistics, which stay untouched.
   * Elementwise: a NaN/±Inf in x changes only its own y (NaN, or ±Inf times the sign of gamma).
   */
  batchNormEval: kernel<{ inputs: BatchNormInputs; attrs: BatchNormAttrs; outputs: Tensor }>()({
    group: 'batchNorm', inputs: BN_STATS, check: (i, a) => void validateBatchNorm(i, a, false),
  }),
  /**
   * `dx = dy · gamma / sqrt(runningVar + eps)`; dgamma and dbeta as in training with xhat from running stats.
   * A NaN/±Inf in dy changes only its own dx (x never reaches dx); a bad x or dy makes its channel's dgamma non-finite, dbeta too for dy.
   */
  batchNormEvalBackward: kernel<{ inputs: BatchNormEvalBackwardInputs; attrs: BatchNormAttrs; outputs: BatchNormGradients }>()({
    group: 'batchNorm', inputs: { x: F, dy: F, gamma: F, runningMean: F, runningVar: F }, check: (i, a) => void validateBatchNorm(i, a, false),
  }),

  // ------------------------------------------------------------------------------------------- Training
  conv2d: kernel<{ inputs: Conv2dInputs; attrs: Conv2dAttrs; init: Conv2dAttrsInit | undefined; outputs: Tensor }>()({
    group: 'training', inputs: { x: F, weight: F, bias: F }, attrs: conv2dAttrs, check: (i, a) => void validateConv2d(i.x, i.weight, a, i.bias),
  }),
  conv2dBackward: kernel<{
    inputs: Conv2dBackwardInputs; attrs: Conv2dBackwardAttrs; init: Conv2dBackwardAttrsInit | undefined; outputs: ParameterGradients;
  }>()({
    group: 'training', inputs: { x: F, weight: F, dy: F }, attrs: conv2dBackwardAttrs,
    check: (i, a) => void validateConv2d(i.x, i.weight, a, undefined, i.dy),
  }),
  linear: kernel<{ inputs: LinearInputs; outputs: Tensor }>()({
    group: 'training', inputs: { x: F, weight: F, bias: F }, check: (i) => void validateLinear(i.x, i.weight, i.bias),
  }),
  linearBackward: kernel<{ inputs: LinearBackwardInputs; outputs: Required<ParameterGradients> }>()({
    group: 'training', inputs: { x: F, weight: F, dy: F }, check: (i) => void validateLinear(i.x, i.weight, undefined, i.dy),
  }),
  avgPool2d: kernel<{ inputs: X; attrs: Pool2dAttrs; init: Pool2dAttrsInit; outputs: Tensor }>()(POOL),
  avgPool2dBackward: kernel<{ inputs: XDy; attrs: Pool2dAttrs; init: Pool2dAttrsInit; outputs: Tensor }>()(POOL_BACKWARD),
  /** NaN is the largest value: a window holding one gives NaN, and the gradient goes to its first NaN. */
  maxPool2d: kernel<{ inputs: X; attrs: Pool2dAttrs; init: Pool2dAttrsInit; outputs: Tensor }>()(POOL),
  maxPool2dBackward: kernel<{ inputs: XDy; attrs: Pool2dAttrs; init: Pool2dAttrsInit; outputs: Tensor }>()(POOL_BACKWARD),
  sigmoid: kernel<{ inputs: X; outputs: Tensor }>()({ group: 'training', inputs: { x: F }, check: () => undefined }),
  /** Uses the forward output: dx = dy · y · (1 − y). */
  sigmoidBackward: kernel<{ inputs: { readonly y: Tensor; readonly dy: Tensor }; outputs: Tensor }>()({
    group: 'training', inputs: { y: F, dy: F }, check: (i) => validateSameShape(i.y, i.dy, 'sigmoidBackward dy'),
  }),
  /** relu(NaN) = NaN. */
  relu: kernel<{ inputs: X; outputs: Tensor }>()({ group: 'training', inputs: { x: F }, check: () => undefined }),
  /** dx = 0 where x <= 0, else dy: x = NaN passes dy (PyTorch's threshold_backward), a bad dy where x <= 0 gives 0. */
  reluBackward: kernel<{ inputs: XDy; outputs: Tensor }>()({
    group: 'training', inputs: { x: F, dy: F }, check: (i) => validateSameShape(i.x, i.dy, 'reluBackward dy'),
  }),
  /**
   * Numerically stable for large logits (log-sum-exp with the maximum subtracted).
   * A NaN or +Inf logit makes its row's loss, the mean loss and its row's dlogits NaN; other rows' dlogits unaffected.
   */
  softmaxCrossEntropy: kernel<{ inputs: SoftmaxCrossEntropyInputs; outputs: SoftmaxCrossEntropyOutputs }>()({
    group: 'training', inputs: { logits: F, labels: 'int32' },
    check: (i) => void validateSoftmaxCrossEntropy(i.logits, i.labels),
    // One read of N int32 values per call: the only check that needs data, and small beside the N×K logits.
    checkData: async (i, read) => validateLabelValues(await read(i.labels), i.logits.shape[1]),
  }),
  /** Plain SGD: returns `param − lr · grad` as a new handle. */
  sgd: kernel<{ inputs: { readonly param: Tensor; readonly grad: Tensor }; attrs: SgdAttrs; outputs: Tensor }>()({
    group: 'training', inputs: { param: F, grad: F }, check: (i, a) => validateSgd(i.param, i.grad, a?.lr),
  }),
  /**
   * Index of the maximum along the last axis (first one on ties), int32, rank reduced by one.
   * NaN counts as the maximum (the first NaN of a row wins), as in PyTorch.
   */
  argmax: kernel<{ inputs: X; outputs: Tensor }>()({ group: 'training', inputs: { x: F }, check: (i) => validateArgmax(i.x) }),
};

type Table = typeof KERNEL_TABLE;

export type KernelName = keyof Table;

/** Each kernel's signature, read off its entry. */
export type KernelTable = { [K in KernelName]: NonNullable<Table[K][typeof signature]> };

/** The kernels of a group. */
export type KernelsOf<G extends KernelGroup> = { [K in KernelName]: Table[K]['group'] extends G ? K : never }[KernelName];

/** A kernel as a backend implements it: complete attributes, or none. */
export type KernelCall<S extends KernelSignature> = S extends { attrs: infer A }
  ? (inputs: S['inputs'], attrs: A) => Promise<S['outputs']>
  : (inputs: S['inputs']) => Promise<S['outputs']>;

/** A kernel with attribute defaults as a caller may call it: `init` attributes, optional when every field has a default. */
export type DefaultedCall<S extends KernelSignature> = (
  inputs: S['inputs'],
  ...attrs: undefined extends S['init'] ? [attrs?: S['init']] : [attrs: S['init']]
) => Promise<S['outputs']>;

type Kernels<K extends KernelName> = { [N in K]: KernelCall<KernelTable[N]> };

export type BatchNormKernels = Kernels<KernelsOf<'batchNorm'>>;
export type TrainingKernels = Kernels<KernelsOf<'training'>>;

/** The kernels whose attributes have defaults (`checked()` fills them, so `TrainingKernels` receive complete ones). */
export type DefaultedKernelName = { [K in KernelName]: 'init' extends keyof KernelTable[K] ? K : never }[KernelName];

/**
 * The training kernels whose attributes have defaults, as callers may call them: fields with a default
 * may be left out (conv2d's attrs entirely).
 */
export type DefaultedAttrCalls = { [K in DefaultedKernelName]: DefaultedCall<KernelTable[K]> };

function groupNames(group: KernelGroup): readonly string[] {
  return Object.freeze(Object.entries(KERNEL_TABLE).filter(([, spec]) => spec.group === group).map(([name]) => name));
}

export const KERNEL_GROUPS: { readonly [G in KernelGroup]: readonly string[] } = Object.freeze({
  batchNorm: groupNames('batchNorm'),
  training: groupNames('training'),
});
