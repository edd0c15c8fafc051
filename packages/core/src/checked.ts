import { conv2dAttrs, conv2dBackwardAttrs, pool2dAttrs } from './attrs.js';
import type { Backend, MemoryInfo, TrainingBackend } from './backend.js';
import { InvalidArgumentError, NotImplementedKernelError, ShapeError } from './errors.js';
import { HandleRegistry } from './handles.js';
import { KERNEL_GROUPS, type KernelGroup, type KernelName } from './kernels.js';
import { assertValidShape, formatShape, sizeOf, type Shape } from './shape.js';
import type { DType, Tensor } from './tensor.js';
import {
  validateArgmax, validateBatchNorm, validateConv2d, validateLabelValues, validateLinear, validatePool2d,
  validateSameShape, validateSgd, validateSoftmaxCrossEntropy,
} from './validate.js';

/** Marks a checked wrapper and points at the backend it wraps. */
const INNER = Symbol.for('bnkit.checked.inner');

type Any = any;

type Read = (t: Tensor) => Promise<Float32Array | Int32Array>;

/** What `checked` does with each kernel's arguments before the backend sees them. */
interface KernelSpec {
  /** The tensor inputs, all required. */
  readonly inputs: readonly string[];
  /** Fills attribute defaults; its result is what validation and the backend see. */
  readonly attrs?: (attrs: Any) => unknown;
  /** Shape and attribute checks. */
  readonly check: (inputs: Any, attrs: Any) => void;
  /** Checks that need the data, run after `check`. */
  readonly checkData?: (inputs: Any, read: Read) => Promise<void>;
}

const BN_TRAIN_INPUTS = ['x', 'gamma', 'beta', 'runningMean', 'runningVar'];
const POOL: Pick<KernelSpec, 'inputs' | 'attrs' | 'check'> = { inputs: ['x'], attrs: pool2dAttrs, check: (i, a) => validatePool2d(i.x, a) };
const POOL_BACKWARD: KernelSpec = { inputs: ['x', 'dy'], attrs: pool2dAttrs, check: (i, a) => validatePool2d(i.x, a, i.dy) };

/** Keyed by KernelName so none is missed. */
const KERNEL_SPECS: Record<KernelName, KernelSpec> = {
  batchNormTrain: { inputs: BN_TRAIN_INPUTS, check: (i, a) => validateBatchNorm(i, a, true) },
  batchNormTrainBackward: { inputs: ['x', 'dy', 'gamma', 'mean', 'invStd'], check: (i, a) => validateBatchNorm(i, a, true) },
  batchNormEval: { inputs: BN_TRAIN_INPUTS, check: (i, a) => validateBatchNorm(i, a, false) },
  batchNormEvalBackward: { inputs: ['x', 'dy', 'gamma', 'runningMean', 'runningVar'], check: (i, a) => validateBatchNorm(i, a, false) },
  conv2d: { inputs: ['x', 'weight', 'bias'], attrs: conv2dAttrs, check: (i, a) => validateConv2d(i.x, i.weight, a, i.bias) },
  conv2dBackward: {
    inputs: ['x', 'weight', 'dy'], attrs: conv2dBackwardAttrs, check: (i, a) => validateConv2d(i.x, i.weight, a, undefined, i.dy),
  },
  linear: { inputs: ['x', 'weight', 'bias'], check: (i) => validateLinear(i.x, i.weight, i.bias) },
  linearBackward: { inputs: ['x', 'weight', 'dy'], check: (i) => validateLinear(i.x, i.weight, undefined, i.dy) },
  avgPool2d: POOL,
  avgPool2dBackward: POOL_BACKWARD,
  maxPool2d: POOL,
  maxPool2dBackward: POOL_BACKWARD,
  sigmoid: { inputs: ['x'], check: () => undefined },
  sigmoidBackward: { inputs: ['y', 'dy'], check: (i) => validateSameShape(i.y, i.dy, 'sigmoidBackward dy') },
  relu: { inputs: ['x'], check: () => undefined },
  reluBackward: { inputs: ['x', 'dy'], check: (i) => validateSameShape(i.x, i.dy, 'reluBackward dy') },
  softmaxCrossEntropy: {
    inputs: ['logits', 'labels'],
    check: (i) => validateSoftmaxCrossEntropy(i.logits, i.labels),
    // One read of N int32 values per call: the only check that needs data, and small beside the N×K logits.
    checkData: async (i, read) => validateLabelValues(await read(i.labels), i.logits.shape[1]),
  },
  sgd: { inputs: ['param', 'grad'], check: (i, a) => validateSgd(i.param, i.grad, a?.lr) },
  argmax: { inputs: ['x'], check: (i) => validateArgmax(i.x) },
};

/** Every required input is a live, non-empty handle of this backend instance. */
function checkInputs(kernel: string, spec: KernelSpec, inputs: unknown, handles: HandleRegistry): void {
  if (inputs === null || typeof inputs !== 'object') {
    throw new InvalidArgumentError(`${kernel} inputs must be an object of tensors {${spec.inputs.join(', ')}}, got ${JSON.stringify(inputs)}`);
  }
  for (const name of spec.inputs) {
    const t = (inputs as Record<string, unknown>)[name];
    if (t === undefined) throw new InvalidArgumentError(`${kernel} input '${name}' is missing (needs ${spec.inputs.join(', ')})`);
    handles.assertLive(t, `${kernel} input '${name}'`);
    if (sizeOf(t.shape) === 0) {
      throw new ShapeError(`${kernel} input '${name}' has shape ${formatShape(t.shape)} with no elements; kernels need non-empty tensors`);
    }
  }
}

/** Validates an upload and resolves its dtype, so the backend always receives an explicit one. */
function resolveUpload(data: unknown, shape: Shape, dtype: DType | undefined): DType {
  assertValidShape(shape, 'upload');
  if (!(Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView)))) {
    throw new InvalidArgumentError(`upload data must be an array or a typed array of numbers, got ${Object.prototype.toString.call(data)}`);
  }
  const values = data as ArrayLike<number>;
  const resolved = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  if (resolved !== 'float32' && resolved !== 'int32') {
    throw new InvalidArgumentError(`upload dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  }
  if (values.length !== sizeOf(shape)) {
    throw new ShapeError(`upload: ${values.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} values)`);
  }
  if (resolved === 'int32' && !(data instanceof Int32Array)) {
    const outsideInt32 = (v: number) => !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31;
    const bad = Array.prototype.findIndex.call(values, outsideInt32);
    if (bad >= 0) throw new InvalidArgumentError(`upload: int32 data must be integers in the int32 range, got ${values[bad]} at index ${bad}`);
  }
  return resolved;
}

/**
 * Wraps a backend so that every call is checked by the shared rules of the contract before the backend
 * runs it: lifecycle (handles this instance handed out and still live, nothing after `close()`), shapes,
 * attributes with their defaults filled, label values; a missing kernel fails with
 * NotImplementedKernelError naming it. Idempotent. Backends return `checked(impl)` from their factory;
 * the conformance suite wraps what it loads.
 */
export function checked<B extends Backend>(backend: B): B {
  if ((backend as unknown as Record<symbol, unknown>)[INNER]) return backend;
  const handles: HandleRegistry = new HandleRegistry(backend.name);
  const wrapper = Object.create(backend) as Record<string | symbol, unknown>;
  wrapper[INNER] = backend;
  // Delegate explicitly (not through the prototype) so backends may use private class fields.
  wrapper.read = async (t: Tensor) => {
    handles.assertOpen('read');
    handles.assertLive(t, 'read');
    return backend.read(t);
  };
  wrapper.dispose = (t: Tensor) => {
    handles.assertOpen('dispose');
    handles.assertLive(t, 'dispose');
    backend.dispose(t);
    handles.retire(t);
  };
  // After close every handle is gone, so memory() reports none (and stays callable for leak reports).
  wrapper.memory = (): MemoryInfo => (handles.closed ? { tensors: 0, bytes: 0 } : backend.memory());
  wrapper.close = async () => {
    if (handles.closed) return;
    handles.close();
    await backend.close();
  };
  wrapper.upload = (data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor => {
    handles.assertOpen('upload');
    return handles.issue(backend.upload(data, shape, resolveUpload(data, shape, dtype)));
  };
  wrapper.reshape = (t: Tensor, shape: Shape): Tensor => {
    handles.assertOpen('reshape');
    handles.assertLive(t, 'reshape');
    assertValidShape(shape, 'reshape');
    if (sizeOf(shape) !== sizeOf(t.shape)) {
      throw new ShapeError(`reshape: cannot view ${formatShape(t.shape)} (${sizeOf(t.shape)} values) as ${formatShape(shape)}`);
    }
    return handles.issue(backend.reshape(t, shape));
  };
  for (const [name, spec] of Object.entries(KERNEL_SPECS)) {
    const impl = (backend as unknown as Record<string, unknown>)[name];
    wrapper[name] =
      typeof impl === 'function'
        ? async (inputs: unknown, attrs?: unknown) => {
            handles.assertOpen(name);
            checkInputs(name, spec, inputs, handles);
            const complete = spec.attrs ? spec.attrs(attrs) : attrs;
            spec.check(inputs, complete);
            if (spec.checkData) {
              await spec.checkData(inputs, (t) => backend.read(t));
              // The read let other code run: an input disposed meanwhile must not reach the backend.
              checkInputs(name, spec, inputs, handles);
            }
            // Without a data check the backend is called synchronously, as if unwrapped: a caller may
            // dispose an input right after the call starts.
            return handles.issue(await (impl as (...a: unknown[]) => Promise<unknown>).call(backend, inputs, complete));
          }
        : async () => {
            handles.assertOpen(name);
            throw new NotImplementedKernelError(backend.name, name);
          };
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
