import { assertTrainableBatch, batchNormLayout, validateBatchNormAttrs, type BatchNormAttrs, type BatchNormLayout } from './batchnorm.js';
import { InvalidArgumentError, ShapeError } from './errors.js';
import type { Conv2dAttrs, Pair, Pool2dAttrs } from './kernels.js';
import { formatShape, shapesEqual, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import { describeValue } from './describe-value.js';

/*
 * Argument validation shared by every backend. Each function checks shapes and attributes of one kernel
 * and returns the derived output geometry, so backends do not re-derive (and disagree on) it. Presence and
 * dtypes of the inputs are checked before, from the kernel table.
 */

function expectRank(t: Tensor, rank: number, what: string): void {
  if (t.shape.length !== rank) {
    throw new ShapeError(`${what} must have rank ${rank}, got shape ${formatShape(t.shape)}`);
  }
}

function expectShape(t: Tensor, shape: Shape, what: string): void {
  if (!shapesEqual(t.shape, shape)) {
    throw new ShapeError(`${what} must have shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
}

function expectPair(p: Pair, min: number, what: string): void {
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= min)) {
    throw new InvalidArgumentError(`${what} must be a pair of integers >= ${min}, got ${describeValue(p)}`);
  }
}

export function validateBatchNorm(
  inputs: { x: Tensor; gamma: Tensor; beta?: Tensor; runningMean?: Tensor; runningVar?: Tensor; mean?: Tensor; invStd?: Tensor; dy?: Tensor },
  attrs: BatchNormAttrs,
  training: boolean,
): BatchNormLayout {
  validateBatchNormAttrs(attrs);
  const layout = batchNormLayout(inputs.x.shape, attrs.axis);
  const perChannel = [layout.channels];
  for (const key of ['gamma', 'beta', 'runningMean', 'runningVar', 'mean', 'invStd'] as const) {
    const t = inputs[key];
    if (t) expectShape(t, perChannel, `${key} (one value per channel of axis ${layout.axis})`);
  }
  if (inputs.dy) expectShape(inputs.dy, inputs.x.shape, 'dy');
  if (training) assertTrainableBatch(inputs.x.shape, layout);
  return layout;
}

export interface Conv2dGeometry {
  readonly n: number;
  readonly cin: number;
  readonly h: number;
  readonly w: number;
  readonly cout: number;
  readonly kh: number;
  readonly kw: number;
  readonly oh: number;
  readonly ow: number;
}

export function validateConv2d(x: Tensor, weight: Tensor, attrs: Conv2dAttrs, bias?: Tensor, dy?: Tensor): Conv2dGeometry {
  expectRank(x, 4, 'conv2d x (NCHW)');
  expectRank(weight, 4, 'conv2d weight (OIHW)');
  expectPair(attrs.stride, 1, 'conv2d stride');
  expectPair(attrs.padding, 0, 'conv2d padding');
  const [n, cin, h, w] = x.shape;
  const [cout, wcin, kh, kw] = weight.shape;
  if (wcin !== cin) {
    throw new ShapeError(`conv2d weight has ${wcin} input channels but x has ${cin} (x ${formatShape(x.shape)}, weight ${formatShape(weight.shape)})`);
  }
  const g = conv2dGeometry(x.shape, weight.shape, attrs);
  if (g.oh < 1 || g.ow < 1) {
    throw new ShapeError(`conv2d kernel ${kh}x${kw} does not fit the padded input ${h}x${w} (padding ${attrs.padding.join('x')})`);
  }
  if (bias) expectShape(bias, [cout], 'conv2d bias');
  if (dy) expectShape(dy, [n, cout, g.oh, g.ow], 'conv2d dy');
  return g;
}

/** Windows of `kernel` that fit along an axis of `size` padded by `pad` on each side, `stride` apart. */
function windowCount(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/**
 * The geometry of a conv2d call whose arguments are already valid (as `checked` guarantees inside a
 * backend's kernels); `validateConv2d` checks the arguments and returns the same.
 */
export function conv2dGeometry(xShape: Shape, weightShape: Shape, attrs: Conv2dAttrs): Conv2dGeometry {
  const [n, cin, h, w] = xShape;
  const [cout, , kh, kw] = weightShape;
  const oh = windowCount(h, kh, attrs.stride[0], attrs.padding[0]);
  const ow = windowCount(w, kw, attrs.stride[1], attrs.padding[1]);
  return { n, cin, h, w, cout, kh, kw, oh, ow };
}

export interface LinearGeometry {
  readonly n: number;
  readonly in: number;
  readonly out: number;
}

export function validateLinear(x: Tensor, weight: Tensor, bias?: Tensor, dy?: Tensor): LinearGeometry {
  expectRank(x, 2, 'linear x [N, in]');
  expectRank(weight, 2, 'linear weight [out, in]');
  const [n, fin] = x.shape;
  const [out, win] = weight.shape;
  if (win !== fin) throw new ShapeError(`linear weight ${formatShape(weight.shape)} expects ${win} inputs but x ${formatShape(x.shape)} has ${fin}`);
  if (bias) expectShape(bias, [out], 'linear bias');
  if (dy) expectShape(dy, [n, out], 'linear dy');
  return linearGeometry(x.shape, weight.shape);
}

/** The geometry of a linear call whose arguments are already valid; `validateLinear` checks them and returns the same. */
export function linearGeometry(xShape: Shape, weightShape: Shape): LinearGeometry {
  return { n: xShape[0], in: xShape[1], out: weightShape[0] };
}

export interface Pool2dGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
}

export function validatePool2d(x: Tensor, attrs: Pool2dAttrs, dy?: Tensor): Pool2dGeometry {
  expectRank(x, 4, 'pool2d x (NCHW)');
  expectPair(attrs.kernel, 1, 'pool2d kernel');
  expectPair(attrs.stride, 1, 'pool2d stride');
  expectPair(attrs.padding, 0, 'pool2d padding');
  if (attrs.padding[0] * 2 > attrs.kernel[0] || attrs.padding[1] * 2 > attrs.kernel[1]) {
    throw new InvalidArgumentError(`pool2d padding ${attrs.padding.join('x')} must be at most half the kernel ${attrs.kernel.join('x')}`);
  }
  const g = pool2dGeometry(x.shape, attrs);
  if (g.oh < 1 || g.ow < 1) throw new ShapeError(`pool2d kernel ${attrs.kernel.join('x')} does not fit input ${g.h}x${g.w}`);
  if (dy) expectShape(dy, [g.n, g.c, g.oh, g.ow], 'pool2d dy');
  return g;
}

/** The geometry of a pooling call whose arguments are already valid; `validatePool2d` checks them and returns the same. */
export function pool2dGeometry(xShape: Shape, attrs: Pool2dAttrs): Pool2dGeometry {
  const [n, c, h, w] = xShape;
  const oh = windowCount(h, attrs.kernel[0], attrs.stride[0], attrs.padding[0]);
  const ow = windowCount(w, attrs.kernel[1], attrs.stride[1], attrs.padding[1]);
  return { n, c, h, w, oh, ow };
}

export function validateSameShape(a: Tensor, b: Tensor, what: string): void {
  expectShape(b, a.shape, what);
}

export function validateSoftmaxCrossEntropy(logits: Tensor, labels: Tensor): { n: number; k: number } {
  expectRank(logits, 2, 'softmaxCrossEntropy logits [N, K]');
  const [n, k] = logits.shape;
  expectShape(labels, [n], 'softmaxCrossEntropy labels');
  if (n < 1 || k < 1) throw new ShapeError(`softmaxCrossEntropy needs N >= 1 and K >= 1, got ${formatShape(logits.shape)}`);
  return { n, k };
}

/**
 * Every label must index a class of the logits: an out-of-range label would silently select no target
 * (a zero one-hot row, or a NaN from an out-of-bounds read on a GPU). `values` are the labels read back.
 */
export function validateLabelValues(values: ArrayLike<number>, k: number): void {
  for (let row = 0; row < values.length; row++) {
    const label = values[row];
    if (!(Number.isInteger(label) && label >= 0 && label < k)) {
      throw new InvalidArgumentError(
        `softmaxCrossEntropy label ${label} at row ${row} is outside [0, ${k - 1}], the allowed range for K = ${k} classes`,
      );
    }
  }
}

export function validateSgd(param: Tensor, grad: Tensor, lr: number): void {
  expectShape(grad, param.shape, 'sgd grad');
  if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new InvalidArgumentError(`sgd lr must be a finite number, got ${describeValue(lr)}`);
}

export function validateArgmax(x: Tensor): void {
  if (x.shape.length < 1 || x.shape[x.shape.length - 1] < 1) {
    throw new ShapeError(`argmax needs a non-empty last axis, got shape ${formatShape(x.shape)}`);
  }
}
