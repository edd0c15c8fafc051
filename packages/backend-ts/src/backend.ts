import { checkBackendOptions, defineBackend, type BackendOptions, type BackendStorage, type DefinedBackend, type TrainingKernels } from '@bnkit/core';
import { batchNormKernels } from './kernels/batchnorm/index.js';
import { createTrainingKernels } from './kernels/training/index.js';
import { BACKEND_NAME, TsTensor } from './tensor.js';
import { recycle, sharedFloat32ForOverwrite } from './storage/shared.js';
import { RUNTIME } from '#threads/spawn';

export interface TsBackendOptions extends BackendOptions {
  /** Worker threads for the heavy kernels (conv2d, linear). Default: all cores, at most 4. */
  readonly threads?: number;
}

/** Host storage: a handle and its typed array are one object. `close` stops the worker threads. */
function hostStorage(close: () => Promise<void>): BackendStorage<TsTensor> {
  return {
    upload(values, shape, dtype) {
      // float32 data goes to shared memory, so threaded kernels take an uploaded batch or weight as it is
      // instead of copying it to shared memory on every call (asShared), and its storage is recycled.
      const copy = dtype === 'int32' ? Int32Array.from(values) : sharedFloat32ForOverwrite(values.length);
      if (copy instanceof Float32Array) copy.set(values);
      return new TsTensor(copy, shape, dtype);
    },
    read: async (t) => t.data.slice(),
    reshape: (t, shape) => new TsTensor(t.data, shape, t.dtype),
    release(t, live) {
      const data = t.data;
      t.release();
      // Storage no live handle shares (reshape shares it) is reused for later kernel outputs.
      for (const other of live) if (other.data.buffer === data.buffer) return;
      recycle(data);
    },
    close,
  };
}

/** Every backend createBackend returned, so a caller can tell this backend from one that only shares its name. */
const created = new WeakSet<object>();

/**
 * Whether `backend` is exactly a backend made by this package's createBackend (not a wrapper around one, nor
 * another backend with the same name): the conformance suite compares other backends with this one.
 */
export function isTsBackend(backend: unknown): boolean {
  return typeof backend === 'object' && backend !== null && created.has(backend);
}

export type TsBackend = DefinedBackend<typeof batchNormKernels & TrainingKernels, Record<never, never>>;

export async function createBackend(options: TsBackendOptions = {}): Promise<TsBackend> {
  // It always runs on the CPU; 'auto' is every backend's default.
  checkBackendOptions(BACKEND_NAME, options, { threads: null, device: ['auto', 'cpu'] });
  const training = await createTrainingKernels({ threads: options.threads });
  const backend = defineBackend({
    name: BACKEND_NAME,
    device: {
      kind: 'cpu',
      name: `${training.threads} thread${training.threads === 1 ? '' : 's'}`,
      description: `pure TypeScript on Float32Array, ${RUNTIME}`,
    },
    storage: hostStorage(() => training.close()),
    kernels: { ...batchNormKernels, ...training.kernels },
  });
  created.add(backend);
  return backend;
}
