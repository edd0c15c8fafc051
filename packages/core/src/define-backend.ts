import { SPECIFICATION_VERSION, type Backend, type BackendCore, type DeviceInfo, type MemoryInfo } from './backend.js';
import { checked } from './checked.js';
import { InvalidArgumentError } from './errors.js';
import { handlesOf } from './handles.js';
import {
  KERNEL_GROUPS, type BatchNormKernels, type DefaultedAttrCalls, type KernelGroup, type TrainingKernels,
} from './kernel-table.js';
import { sizeOf, type Shape } from './shape.js';
import type { DType, Tensor } from './tensor.js';

/*
 * The scaffold every bnkit backend is built on, so a backend is its storage plus its kernel table. The kit
 * keeps the ledger of live handles (for `memory()` and for `close()` to release them), hands storage data of
 * the resolved dtype, derives `capabilities` from the kernels given, makes `close()` idempotent and returns
 * the backend wrapped in `checked()`, which refuses every malformed call, foreign handle and use after close
 * before storage or a kernel sees it: inside them a handle is always a live one of this instance.
 */

/** Where a backend keeps tensor data. `H` is its handle type; every handle the kit receives is one of its own. */
export interface BackendStorage<H extends Tensor> {
  /** A new handle holding `values` (of `dtype`'s array type; may be the caller's array, which must not be retained). */
  upload(values: Float32Array | Int32Array, shape: Shape, dtype: DType): H;
  read(handle: H): Promise<Float32Array | Int32Array>;
  /** A new handle on the same data. */
  reshape(handle: H, shape: Shape): H;
  /** Frees one handle; `live` are the handles still live after it (a reshape may share its storage). */
  release(handle: H, live: ReadonlySet<H>): void;
  /** Releases the device, after every live handle was released. */
  close(): Promise<void>;
}

/** The kernels a backend implements: the BatchNorm group, and the training group if it has it. */
export type BackendKernels = BatchNormKernels & Partial<TrainingKernels>;

export interface BackendDefinition<H extends Tensor, K extends BackendKernels, E extends object> {
  readonly name: string;
  readonly device: DeviceInfo;
  readonly storage: BackendStorage<H>;
  /** Kernel implementations by contract name; each output handle is entered in the ledger. */
  readonly kernels: K;
  /** Members beyond the contract (diagnostics), kept on the returned backend. */
  readonly extras?: E;
}

/** The backend `defineBackend` returns: the contract, its kernels (with defaulted calls when it trains) and its extras. */
export type DefinedBackend<K extends BackendKernels, E extends object> = Backend &
  K &
  (K extends TrainingKernels ? DefaultedAttrCalls : unknown) &
  E;

/** The kernel groups whose every kernel is present, so `capabilities` never claims more than is there. */
function completeGroups(kernels: object): KernelGroup[] {
  const has = (name: string) => typeof (kernels as Record<string, unknown>)[name] === 'function';
  return (Object.keys(KERNEL_GROUPS) as KernelGroup[]).filter((group) => KERNEL_GROUPS[group].every(has));
}

/** `data` as the typed array of `dtype`, copied only when it is not one already. */
function asTyped(data: Float32Array | Int32Array | readonly number[], dtype: DType): Float32Array | Int32Array {
  if (dtype === 'int32') return data instanceof Int32Array ? data : Int32Array.from(data);
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

export function defineBackend<H extends Tensor, K extends BackendKernels, E extends object = Record<never, never>>(
  definition: BackendDefinition<H, K, E>,
): DefinedBackend<K, E> {
  const { storage } = definition;
  const live = new Set<H>();
  let closed = false;
  const adopt = <T>(result: T): T => {
    for (const t of handlesOf(result)) live.add(t as H);
    return result;
  };
  const core: BackendCore = {
    specificationVersion: SPECIFICATION_VERSION,
    name: definition.name,
    device: definition.device,
    capabilities: completeGroups(definition.kernels),
    // checked() resolved the dtype and validated data and shape before this runs.
    upload: (data, shape, dtype = 'float32') => adopt(storage.upload(asTyped(data, dtype), [...shape], dtype)),
    read: (t) => storage.read(t as H),
    reshape: (t, shape) => adopt(storage.reshape(t as H, [...shape])),
    dispose(t) {
      if (live.delete(t as H)) storage.release(t as H, live);
    },
    memory(): MemoryInfo {
      let bytes = 0;
      for (const t of live) bytes += sizeOf(t.shape) * 4;
      return { tensors: live.size, bytes };
    },
    async close() {
      if (closed) return;
      closed = true;
      // One at a time, so storage shared by several handles is freed exactly once, with the last of them.
      for (const t of [...live]) {
        live.delete(t);
        storage.release(t, live);
      }
      await storage.close();
    },
  };
  const kernels: Record<string, unknown> = {};
  for (const [name, kernel] of Object.entries(definition.kernels) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    // Called synchronously, so a caller may dispose an input right after the call starts.
    kernels[name] = (inputs: unknown, attrs: unknown) => kernel.call(definition.kernels, inputs, attrs).then(adopt);
  }
  return checked({ ...definition.extras, ...core, ...kernels } as unknown as DefinedBackend<K, E>);
}

/**
 * The options a backend factory accepts: each name, with the values it allows where it takes one of a few
 * names (`device`), or `null` where the factory checks the value itself (a thread count).
 */
export type BackendOptionRules = Readonly<Record<string, readonly string[] | null>>;

/**
 * Refuses options a backend does not know, so a typo (`{ thraeds: 1 }`) or another backend's device
 * (`{ device: 'webgpu' }` on a CPU-only backend) fails loudly instead of being ignored: throws
 * `InvalidArgumentError` naming the option and listing what `backend` allows. An option given as `undefined`
 * counts as not given, as callers that forward optional flags pass them.
 */
export function checkBackendOptions(backend: string, options: unknown, allowed: BackendOptionRules): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`${backend} backend options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const names = Object.keys(allowed);
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(allowed, name)) {
      throw new InvalidArgumentError(`${backend} backend has no option '${name}'; its options are: ${names.join(', ') || 'none'}`);
    }
    const values = allowed[name];
    if (values && !values.includes(value as string)) {
      throw new InvalidArgumentError(`${backend} backend option ${name} must be one of ${values.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(value)}`);
    }
  }
}
