import type { Backend, TrainingBackend } from './backend.js';
import { InvalidArgumentError, NotImplementedKernelError, ShapeError } from './errors.js';
import { KERNEL_GROUPS, type KernelGroup, type KernelName } from './kernels.js';
import { assertValidShape, formatShape, sizeOf, type Shape } from './shape.js';
import type { DType, Tensor } from './tensor.js';
import {
  validateArgmax, validateBatchNorm, validateConv2d, validateLinear, validatePool2d, validateSameShape,
  validateSgd, validateSoftmaxCrossEntropy,
} from './validate.js';

/** Marks a checked wrapper and points at the backend it wraps. */
const INNER = Symbol.for('bnkit.checked.inner');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyArgs = any[];

/** Argument checks per kernel, run before the backend sees the call; keyed by KernelName so none is missed. */
const KERNEL_CHECKS: Record<KernelName, (...args: AnyArgs) => void> = {
  batchNormTrain: (i, a) => validateBatchNorm(i, a, true),
  batchNormTrainBackward: (i, a) => validateBatchNorm(i, a, true),
  batchNormEval: (i, a) => validateBatchNorm(i, a, false),
  batchNormEvalBackward: (i, a) => validateBatchNorm(i, a, false),
  conv2d: (i, a) => validateConv2d(i.x, i.weight, a, i.bias),
  conv2dBackward: (i, a) => validateConv2d(i.x, i.weight, a, undefined, i.dy),
  linear: (i) => validateLinear(i.x, i.weight, i.bias),
  linearBackward: (i) => validateLinear(i.x, i.weight, undefined, i.dy),
  avgPool2d: (i, a) => validatePool2d(i.x, a),
  avgPool2dBackward: (i, a) => validatePool2d(i.x, a, i.dy),
  maxPool2d: (i, a) => validatePool2d(i.x, a),
  maxPool2dBackward: (i, a) => validatePool2d(i.x, a, i.dy),
  sigmoid: () => undefined,
  sigmoidBackward: (i) => validateSameShape(i.y, i.dy, 'sigmoidBackward dy'),
  relu: () => undefined,
  reluBackward: (i) => validateSameShape(i.x, i.dy, 'reluBackward dy'),
  softmaxCrossEntropy: (i) => validateSoftmaxCrossEntropy(i.logits, i.labels),
  sgd: (i, a) => validateSgd(i.param, i.grad, a?.lr),
  argmax: (i) => validateArgmax(i.x),
};

function checkUpload(data: ArrayLike<number>, shape: Shape, dtype: DType | undefined): void {
  assertValidShape(shape, 'upload');
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32') {
    throw new InvalidArgumentError(`upload dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  }
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError(`upload: ${data.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} values)`);
  }
}

/**
 * Wraps a backend so every kernel call is validated by the shared rules of the contract before the
 * backend runs it, and every missing kernel fails with NotImplementedKernelError naming it. Idempotent.
 * Backends return `checked(impl)` from their factory; the conformance suite wraps what it loads.
 */
export function checked<B extends Backend>(backend: B): B {
  if ((backend as unknown as Record<symbol, unknown>)[INNER]) return backend;
  const wrapper = Object.create(backend) as Record<string | symbol, unknown>;
  wrapper[INNER] = backend;
  // Delegate explicitly (not through the prototype) so backends may use private class fields.
  wrapper.read = (t: Tensor) => backend.read(t);
  wrapper.dispose = (t: Tensor) => backend.dispose(t);
  wrapper.memory = () => backend.memory();
  wrapper.close = () => backend.close();
  wrapper.upload = (data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor => {
    checkUpload(data, shape, dtype);
    return backend.upload(data, shape, dtype);
  };
  wrapper.reshape = (t: Tensor, shape: Shape): Tensor => {
    assertValidShape(shape, 'reshape');
    if (sizeOf(shape) !== sizeOf(t.shape)) {
      throw new ShapeError(`reshape: cannot view ${formatShape(t.shape)} (${sizeOf(t.shape)} values) as ${formatShape(shape)}`);
    }
    return backend.reshape(t, shape);
  };
  for (const [name, check] of Object.entries(KERNEL_CHECKS)) {
    const impl = (backend as unknown as Record<string, unknown>)[name];
    wrapper[name] =
      typeof impl === 'function'
        ? (...args: AnyArgs) => {
            try {
              check(...args);
            } catch (e) {
              return Promise.reject(e);
            }
            return (impl as (...a: AnyArgs) => Promise<unknown>).apply(backend, args);
          }
        : () => Promise.reject(new NotImplementedKernelError(backend.name, name));
  }
  return wrapper as unknown as B;
}

/** Kernel names of a group that the backend lacks (empty when it implements the group). */
export function missingKernels(backend: Backend, group: KernelGroup): string[] {
  const target = ((backend as unknown as Record<symbol, unknown>)[INNER] ?? backend) as Record<string, unknown>;
  return KERNEL_GROUPS[group].filter((k) => typeof target[k] !== 'function');
}

/** Narrows a backend to one with the training kernels, or throws NotImplementedKernelError for the first missing one. */
export function requireTraining(backend: Backend): TrainingBackend {
  const missing = missingKernels(backend, 'training');
  if (missing.length > 0) throw new NotImplementedKernelError(backend.name, missing.join(', '));
  return backend as TrainingBackend;
}
