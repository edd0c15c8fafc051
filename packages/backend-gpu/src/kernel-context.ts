import { InvalidArgumentError, formatShape, sizeOf, type DType, type Shape, type Tensor } from '@bnkit/core';
import type { ExecutionCounters } from './execution/counters.js';
import { compileKernel, type CompiledKernel } from './execution/pipeline.js';
import type { DeviceBuffer, Recorder } from './execution/recorder.js';
import { wgslProgram, type GpuJsInstance, type GpuJsKernel, type GpuJsMode } from './gpujs.js';
import { GPU_FUNCTIONS } from './kernels/gpu-functions.js';
import { hostStorage, webGpuStorage, type Storage, type StorageDevice } from './storage.js';
import { GpuTensor, own } from './tensor.js';

/** A kernel argument: a tensor (bound as a storage array) or a float scalar that may change between calls. */
export type KernelArg = Tensor | number;

/**
 * gpu.js kernels index with f32 arithmetic (its WGSL translation declares every local as f32), which is exact
 * for integers up to 2^24. Larger tensors would be addressed wrongly, so they are refused.
 */
export const MAX_ELEMENTS = 2 ** 24;

function checkSize(size: number, shape: Shape): void {
  if (size > MAX_ELEMENTS) {
    throw new InvalidArgumentError(
      `gpu backend: output ${formatShape(shape)} has ${size} elements; gpu.js kernels address at most 2^24 = ${MAX_ELEMENTS} per tensor`,
    );
  }
}

interface CacheEntry {
  readonly kernel: GpuJsKernel;
  /** webgpu only: the kernel's pipeline, built on its first call. */
  compiled?: Promise<CompiledKernel>;
}

/**
 * What every kernel of this backend runs on: compiles gpu.js kernels once per source text (shapes and fixed
 * attributes are baked into the source, so the text and the sizes are the cache key), runs them with
 * device-resident arguments and wraps each output in a new handle that `live` tracks until it is disposed.
 * On webgpu, gpu.js only translates; the recorder executes (see execution/recorder.ts). On the host modes
 * gpu.js runs the kernel itself.
 */
export class KernelContext {
  readonly live = new Set<GpuTensor>();
  readonly storage: StorageDevice;
  readonly #cache = new Map<string, CacheEntry>();

  /** `recorder` is given exactly when `mode` is 'webgpu'. */
  constructor(
    readonly mode: GpuJsMode,
    readonly gpu: GpuJsInstance,
    private readonly recorder: Recorder | null,
  ) {
    this.storage = recorder ? webGpuStorage(recorder) : hostStorage;
  }

  adopt(storage: Storage, shape: Shape, dtype: DType): GpuTensor {
    const t = new GpuTensor(storage, [...shape], dtype);
    this.live.add(t);
    return t;
  }

  /** Runs `source` (a gpu.js kernel function as text) with one thread per output element. */
  async run(source: string, shape: Shape, args: readonly KernelArg[], dtype: DType = 'float32'): Promise<GpuTensor> {
    const size = sizeOf(shape);
    checkSize(size, shape);
    if (size === 0) return this.adopt(this.storage.upload(new Float32Array(0)), shape, dtype);
    return this.adopt(await this.#execute(source, size, args), shape, dtype);
  }

  /**
   * The ranges a webgpu kernel may hand out as separate tensors from one output (see `runSplit`): null on
   * the host modes, which have no device storage to share.
   */
  get splitting(): { readonly alignment: number; readonly storageBuffers: number } | null {
    return this.recorder ? { alignment: this.recorder.storageOffsetAlignment / 4, storageBuffers: this.recorder.storageBuffersPerKernel } : null;
  }

  /**
   * webgpu only: runs `source` once with `size` threads and returns its output as one float32 tensor per
   * part, part k being `parts[k].shape` from element `parts[k].offset` (a multiple of `splitting.alignment`).
   * One dispatch for what would otherwise be one kernel per tensor.
   */
  async runSplit(source: string, size: number, args: readonly KernelArg[], parts: readonly { readonly offset: number; readonly shape: Shape }[]): Promise<GpuTensor[]> {
    if (!this.recorder) throw new Error('KernelContext.runSplit needs the webgpu recorder');
    checkSize(size, [size]);
    const whole = (await this.#execute(source, size, args)) as DeviceBuffer;
    const views = this.recorder.split(whole, parts.map((p) => ({ offset: p.offset, length: sizeOf(p.shape) })));
    return views.map((v, k) => this.adopt(v, parts[k].shape, 'float32'));
  }

  /** Runs a kernel of `size` (> 0) threads: on webgpu records its dispatch, on the host modes lets gpu.js run it. */
  async #execute(source: string, size: number, args: readonly KernelArg[]): Promise<Storage> {
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
    const entry = this.#entry(source, size, signature);
    if (!this.recorder) return (await entry.kernel(...values)) as Storage;
    const recorder = this.recorder;
    const inputs = values as (DeviceBuffer | number)[];
    if (!entry.compiled) {
      entry.compiled = compileKernel(
        recorder.device,
        wgslProgram(entry.kernel, inputs.map((v) => (typeof v === 'number' ? 'scalar' : { length: v.length }))),
      );
      // The contract lets a caller dispose an input as soon as the call has started: hold the inputs'
      // storage across the first call's compile, then let go (the recorded dispatch defers its reuse).
      const held = inputs.filter((v): v is DeviceBuffer => typeof v !== 'number').map((v) => this.storage.share(v));
      try {
        return recorder.dispatch(await entry.compiled, inputs, size);
      } finally {
        for (const h of held) this.storage.release(h);
      }
    }
    return recorder.dispatch(await entry.compiled, inputs, size);
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

  /** What the device was asked to do so far (webgpu); null on the host modes, where there is no device. */
  counters(): Readonly<ExecutionCounters> | null {
    return this.recorder ? { ...this.recorder.counters } : null;
  }

  /** Frees every live tensor and, on webgpu, submits pending work and destroys the device buffers. */
  close(): void {
    this.dispose(...this.live);
    this.recorder?.close();
  }

  #entry(source: string, size: number, signature: string): CacheEntry {
    const key = `${signature}\n${source}`;
    let entry = this.#cache.get(key);
    if (!entry) {
      const kernel = this.gpu.createKernel(source, {
        output: [size],
        // Host modes: outputs are fresh arrays every call, so handles are immutable.
        pipeline: true,
        immutable: true,
        functions: GPU_FUNCTIONS,
        // Loops whose bound gpu.js cannot prove constant are capped at this count; every loop here has a
        // constant bound, the cap only guards against a silent truncation if one ever does not.
        loopMaxIterations: 1 << 24,
        tactic: 'precision',
      });
      entry = { kernel };
      this.#cache.set(key, entry);
    }
    return entry;
  }

  /** Compiled kernels, by the mode gpu.js really runs each in (a webasm kernel may degrade to cpu). */
  kernelModes(): Record<string, number> {
    const modes: Record<string, number> = {};
    for (const { kernel } of this.#cache.values()) {
      const m = kernel.kernel.constructor.mode;
      modes[m] = (modes[m] ?? 0) + 1;
    }
    return modes;
  }
}
