import { InvalidArgumentError, formatShape, sizeOf, type DType, type Shape, type Tensor } from '@bnkit/core';
import type { GpuJsInstance, GpuJsKernel, GpuJsMode } from './gpujs.js';
import { GPU_FUNCTIONS } from './kernels/gpu-functions.js';
import type { Storage, StorageDevice } from './storage.js';
import { GpuTensor, own } from './tensor.js';

/** A kernel argument: a tensor (bound as a storage array) or a float scalar that may change between calls. */
export type KernelArg = Tensor | number;

/**
 * gpu.js kernels index with f32 arithmetic (its WGSL translation declares every local as f32), which is exact
 * for integers up to 2^24. Larger tensors would be addressed wrongly, so they are refused.
 */
export const MAX_ELEMENTS = 2 ** 24;

/**
 * What every kernel of this backend runs on: compiles gpu.js kernels once per source text (shapes and fixed
 * attributes are baked into the source, so the text and the sizes are the cache key), runs them with device-resident
 * arguments and wraps each output in a new handle that `live` tracks until it is disposed.
 */
export class KernelContext {
  readonly live = new Set<GpuTensor>();
  readonly #cache = new Map<string, GpuJsKernel>();

  constructor(
    readonly mode: GpuJsMode,
    readonly gpu: GpuJsInstance,
    readonly storage: StorageDevice,
  ) {}

  adopt(storage: Storage, shape: Shape, dtype: DType): GpuTensor {
    const t = new GpuTensor(storage, [...shape], dtype);
    this.live.add(t);
    return t;
  }

  /** Runs `source` (a gpu.js kernel function as text) with one thread per output element. */
  async run(source: string, shape: Shape, args: readonly KernelArg[], dtype: DType = 'float32'): Promise<GpuTensor> {
    const size = sizeOf(shape);
    if (size > MAX_ELEMENTS) {
      throw new InvalidArgumentError(
        `gpu backend: output ${formatShape(shape)} has ${size} elements; gpu.js kernels address at most 2^24 = ${MAX_ELEMENTS} per tensor`,
      );
    }
    if (size === 0) return this.adopt(this.storage.upload(new Float32Array(0)), shape, dtype);
    const values = args.map((a) => {
      if (typeof a === 'number') return a;
      const t = own(a);
      if (t.size > MAX_ELEMENTS) {
        throw new InvalidArgumentError(`gpu backend: input ${formatShape(t.shape)} has more than 2^24 elements, the most gpu.js kernels can address`);
      }
      return t.storage;
    });
    // The host modes fix argument sizes at compile time, so they are part of the cache key.
    const signature = [size, ...args.map((a) => (typeof a === 'number' ? 's' : own(a).size))].join(',');
    const result = (await this.#kernel(source, size, signature)(...values)) as Storage;
    return this.adopt(result, shape, dtype);
  }

  /** Frees intermediates a kernel created and does not return. */
  dispose(...tensors: GpuTensor[]): void {
    for (const t of tensors) {
      if (this.live.delete(t)) {
        const s = t.take();
        if (s) this.storage.release(s);
      }
    }
  }

  #kernel(source: string, size: number, signature: string): GpuJsKernel {
    const key = `${signature}\n${source}`;
    let k = this.#cache.get(key);
    if (!k) {
      k = this.gpu.createKernel(source, {
        output: [size],
        // Outputs stay on the device and every call gets a fresh buffer: handles are immutable.
        pipeline: true,
        immutable: true,
        functions: GPU_FUNCTIONS,
        // Loops whose bound gpu.js cannot prove constant are capped at this count; every loop here has a
        // constant bound, the cap only guards against a silent truncation if one ever does not.
        loopMaxIterations: 1 << 24,
        tactic: 'precision',
      });
      this.#cache.set(key, k);
    }
    return k;
  }

  /** Compiled kernels, by the mode gpu.js really runs each in (a webasm kernel may degrade to cpu). */
  kernelModes(): Record<string, number> {
    const modes: Record<string, number> = {};
    for (const k of this.#cache.values()) {
      const m = k.kernel.constructor.mode;
      modes[m] = (modes[m] ?? 0) + 1;
    }
    return modes;
  }
}
