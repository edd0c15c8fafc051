import type { Backend, MemoryInfo, TrainingBackend } from './backend.js';
import { InvalidArgumentError, NotImplementedKernelError, ShapeError } from './errors.js';
import { HandleRegistry } from './handles.js';
import { KERNEL_GROUPS, KERNEL_TABLE, type KernelGroup, type KernelSpec } from './kernel-table.js';
import { assertValidShape, formatShape, sizeOf, type Shape } from './shape.js';
import type { DType, Tensor } from './tensor.js';
import { describeValue } from './describe-value.js';

/** Marks a checked wrapper and points at the backend it wraps. */
const INNER = Symbol.for('bnkit.checked.inner');

/** InvalidArgumentError unless an argument is given: a missing or null argument never reaches a backend. */
function present(value: unknown, call: string, argument: string, allowed: string): void {
  if (value === undefined || value === null) {
    throw new InvalidArgumentError(`${call}: argument '${argument}' is ${value === null ? 'null' : 'missing'}; it must be ${allowed}`);
  }
}

/** Every input of the kernel is given, a live non-empty handle of this backend instance, and of its dtype. */
function checkInputs(kernel: string, spec: KernelSpec, inputs: unknown, handles: HandleRegistry): asserts inputs is object {
  const names = Object.keys(spec.inputs);
  if (inputs === null || typeof inputs !== 'object') {
    throw new InvalidArgumentError(`${kernel} inputs must be an object of tensors {${names.join(', ')}}, got ${describeValue(inputs)}`);
  }
  for (const [name, dtype] of Object.entries(spec.inputs) as [string, DType][]) {
    const t = (inputs as Record<string, unknown>)[name];
    if (t === undefined || t === null) {
      throw new InvalidArgumentError(`${kernel} input '${name}' is ${t === null ? 'null' : 'missing'} (needs ${names.join(', ')})`);
    }
    handles.assertLive(t, `${kernel} input '${name}'`);
    if (t.dtype !== dtype) {
      throw new InvalidArgumentError(`${kernel} input '${name}' must be ${dtype}, got ${t.dtype === 'int32' ? 'an' : 'a'} ${t.dtype} tensor ${formatShape(t.shape)}`);
    }
    if (sizeOf(t.shape) === 0) {
      throw new ShapeError(`${kernel} input '${name}' has shape ${formatShape(t.shape)} with no elements; kernels need non-empty tensors`);
    }
  }
}

const NUMERIC_TYPED_ARRAYS = [
  Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint8ClampedArray, Uint16Array, Uint32Array,
];

/** A flat list of numbers (NaN and ±Infinity included), or InvalidArgumentError naming the first entry that is not one. */
function assertNumbers(data: unknown): asserts data is Float32Array | Int32Array | readonly number[] {
  if (NUMERIC_TYPED_ARRAYS.some((type) => data instanceof type)) return;
  if (!Array.isArray(data)) {
    throw new InvalidArgumentError(`upload data must be an array of numbers or a numeric typed array, got ${Object.prototype.toString.call(data)}`);
  }
  const bad = data.findIndex((v) => typeof v !== 'number');
  if (bad >= 0) {
    const v: unknown = data[bad];
    if (Array.isArray(v)) {
      throw new InvalidArgumentError(`upload data must be flat, got a nested array at index ${bad} (the shape gives the dimensions)`);
    }
    const shown = v === null || v === undefined ? String(v) : `${typeof v} ${describeValue(v)}`;
    throw new InvalidArgumentError(`upload data must hold only numbers, got ${shown} at index ${bad}`);
  }
}

/** Validates an upload and resolves its dtype, so the backend always receives an explicit one. */
function resolveUpload(data: unknown, shape: unknown, dtype: unknown): DType {
  present(data, 'upload', 'data', 'an array of numbers or a Float32Array / Int32Array');
  present(shape, 'upload', 'shape', 'a list of non-negative integers');
  assertValidShape(shape as Shape, 'upload');
  assertNumbers(data);
  const resolved = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  if (resolved !== 'float32' && resolved !== 'int32') {
    throw new InvalidArgumentError(`upload dtype must be 'float32' or 'int32', got ${describeValue(dtype)}`);
  }
  if (data.length !== sizeOf(shape as Shape)) {
    throw new ShapeError(`upload: ${data.length} values do not fill shape ${formatShape(shape as Shape)} (${sizeOf(shape as Shape)} values)`);
  }
  if (resolved === 'int32' && !(data instanceof Int32Array)) {
    const outsideInt32 = (v: number) => !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31;
    const bad = Array.prototype.findIndex.call(data, outsideInt32);
    if (bad >= 0) throw new InvalidArgumentError(`upload: int32 data must be integers in the int32 range, got ${data[bad]} at index ${bad}`);
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
  // Host copies of the int32 tensors uploaded (labels), so the label check of softmaxCrossEntropy reads no
  // device memory: on an asynchronous backend a read in the middle of a training step would be a host sync.
  const uploadedInts = new WeakMap<Tensor, Int32Array>();
  const wrapper = Object.create(backend) as Record<string | symbol, unknown>;
  wrapper[INNER] = backend;
  // Delegate explicitly (not through the prototype) so backends may use private class fields.
  const handle = (t: unknown, call: string): void => {
    present(t, call, 't', 'a tensor handle of this backend');
    handles.assertLive(t, call);
  };
  wrapper.read = async (t: Tensor) => {
    handles.assertOpen('read');
    handle(t, 'read');
    return backend.read(t);
  };
  wrapper.dispose = (t: Tensor) => {
    handles.assertOpen('dispose');
    handle(t, 'dispose');
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
    const resolved = resolveUpload(data, shape, dtype);
    const t = handles.issue(backend.upload(data, shape, resolved));
    if (resolved === 'int32') uploadedInts.set(t, Int32Array.from(data));
    return t;
  };
  wrapper.reshape = (t: Tensor, shape: Shape): Tensor => {
    handles.assertOpen('reshape');
    handle(t, 'reshape');
    present(shape, 'reshape', 'shape', 'a list of non-negative integers');
    assertValidShape(shape, 'reshape');
    if (sizeOf(shape) !== sizeOf(t.shape)) {
      throw new ShapeError(`reshape: cannot view ${formatShape(t.shape)} (${sizeOf(t.shape)} values) as ${formatShape(shape)}`);
    }
    const view = handles.issue(backend.reshape(t, shape));
    const ints = uploadedInts.get(t);
    if (ints) uploadedInts.set(view, ints);
    return view;
  };
  for (const [name, spec] of Object.entries(KERNEL_TABLE) as [string, KernelSpec][]) {
    const impl = (backend as unknown as Record<string, unknown>)[name];
    wrapper[name] =
      typeof impl === 'function'
        ? async (inputs: unknown, attrs?: unknown) => {
            handles.assertOpen(name);
            checkInputs(name, spec, inputs, handles);
            const complete = spec.attrs ? spec.attrs(attrs) : attrs;
            spec.check(inputs, complete);
            if (spec.checkData) {
              await spec.checkData(inputs, async (t) => uploadedInts.get(t) ?? backend.read(t));
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
