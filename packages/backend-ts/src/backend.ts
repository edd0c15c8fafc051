import {
  KERNEL_GROUPS, SPECIFICATION_VERSION, checked, sizeOf,
  type Backend, type BackendCore, type BackendOptions, type BatchNormKernels, type DType, type DeviceInfo,
  type KernelGroup, type MemoryInfo, type Shape, type Tensor, type TrainingKernels,
} from '@bnkit/core';
import { batchNormKernels } from './kernels/batchnorm/index.js';
import { createTrainingKernels } from './kernels/training/index.js';
import { BACKEND_NAME, TsTensor, own } from './tensor.js';
import { recycle, sharedFloat32ForOverwrite } from './storage/shared.js';

export interface TsBackendOptions extends BackendOptions {
  /** Worker threads for the heavy kernels (conv2d, linear). Default: all cores, at most 4. */
  readonly threads?: number;
}

/** Live handles of this backend, so `memory()` reports leaks. */
class TensorLedger {
  readonly live = new Set<TsTensor>();

  /** Registers every TsTensor found in a kernel result (a tensor or an object of tensors). */
  adopt<T>(result: T): T {
    if (result instanceof TsTensor) this.live.add(result);
    else if (result && typeof result === 'object') {
      for (const v of Object.values(result)) if (v instanceof TsTensor) this.live.add(v);
    }
    return result;
  }
}

function wrapKernels<K extends object>(kernels: K, ledger: TensorLedger): K {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(kernels)) {
    out[name] = async (...args: unknown[]) => ledger.adopt(await (fn as (...a: unknown[]) => Promise<unknown>)(...args));
  }
  return out as K;
}

/** The kernel groups whose every kernel is present, so `capabilities` never claims more than is there. */
function completeGroups(kernels: object): KernelGroup[] {
  const groups = Object.keys(KERNEL_GROUPS) as KernelGroup[];
  return groups.filter((group) => KERNEL_GROUPS[group].every((name) => typeof (kernels as Record<string, unknown>)[name] === 'function'));
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

export async function createBackend(options: TsBackendOptions = {}): Promise<Backend & TrainingKernels> {
  const ledger = new TensorLedger();
  const training = await createTrainingKernels({ threads: options.threads });
  const device: DeviceInfo = {
    kind: 'cpu',
    name: `${training.threads} thread${training.threads === 1 ? '' : 's'}`,
    description: `pure TypeScript on Float32Array, Node ${process.version}`,
  };
  const core: BackendCore = {
    specificationVersion: SPECIFICATION_VERSION,
    name: BACKEND_NAME,
    device,
    capabilities: completeGroups({ ...batchNormKernels, ...training.kernels }),
    upload(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor {
      const kind = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
      // float32 data goes to shared memory, so threaded kernels take an uploaded batch or weight as it is
      // instead of copying it to shared memory on every call (asShared), and its storage is recycled.
      const copy = kind === 'int32' ? Int32Array.from(data) : sharedFloat32ForOverwrite(data.length);
      if (copy instanceof Float32Array) copy.set(data);
      return ledger.adopt(new TsTensor(copy, [...shape], kind));
    },
    async read(t: Tensor): Promise<Float32Array | Int32Array> {
      return own(t).data.slice();
    },
    reshape(t: Tensor, shape: Shape): Tensor {
      return ledger.adopt(new TsTensor(own(t).data, [...shape], t.dtype));
    },
    dispose(t: Tensor): void {
      const h = own(t);
      if (!ledger.live.delete(h)) return;
      const data = h.data;
      h.release();
      // Storage no live handle shares (reshape shares it) is reused for later kernel outputs.
      for (const other of ledger.live) if (other.data.buffer === data.buffer) return;
      recycle(data);
    },
    memory(): MemoryInfo {
      let bytes = 0;
      for (const t of ledger.live) bytes += sizeOf(t.shape) * 4;
      return { tensors: ledger.live.size, bytes };
    },
    async close(): Promise<void> {
      await training.close();
      ledger.live.clear();
    },
  };
  const bn: BatchNormKernels = wrapKernels(batchNormKernels, ledger);
  const tr: TrainingKernels = wrapKernels(training.kernels, ledger);
  const backend = checked({ ...core, ...bn, ...tr });
  created.add(backend);
  return backend;
}
