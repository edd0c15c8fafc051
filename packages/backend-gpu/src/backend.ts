import {
  SPECIFICATION_VERSION, checked,
  type Backend, type BackendCore, type BackendOptions, type DType, type MemoryInfo, type Shape, type Tensor,
  type TrainingKernels,
} from '@bnkit/core';
import { selectDevice, type DeviceChoice } from './device.js';
import type { ExecutionCounters } from './execution/counters.js';
import { Recorder } from './execution/recorder.js';
import { gpujs } from './gpujs.js';
import { KernelContext } from './kernel-context.js';
import { bindKernels } from './kernels/index.js';
import { BACKEND_NAME, own } from './tensor.js';
import { releaseWebGpu } from './webgpu-session.js';

export interface GpuBackendOptions extends BackendOptions {
  /** 'auto' (default): WebGPU, else webasm, else cpu, with a warning on stderr. 'webgpu': WebGPU or DeviceUnavailableError. */
  readonly device?: DeviceChoice;
  /**
   * Options for Dawn's `create()`, e.g. `['adapter=<name>']` to pick one of several adapters or
   * `['backend=vulkan']`. Used when this backend is the first WebGPU backend of the process.
   */
  readonly dawnFlags?: readonly string[];
}

/** The gpu backend object, plus what it adds to the contract for diagnostics. */
export type GpuBackend = Backend &
  TrainingKernels & {
    /** Compiled kernels by the gpu.js mode each really runs in. */
    kernelModes(): Record<string, number>;
    /** What the WebGPU device was asked to do since the backend opened; null on webasm/cpu. */
    counters(): Readonly<ExecutionCounters> | null;
  };

export async function createBackend(options: GpuBackendOptions = {}): Promise<GpuBackend> {
  const selected = await selectDevice(options.device ?? 'auto', options.dawnFlags ?? []);
  const gpu = new gpujs.GPU({ mode: selected.mode });
  const ctx = new KernelContext(selected.mode, gpu, selected.context ? new Recorder(selected.context) : null);
  const { storage } = ctx;
  let closed = false;

  const core: BackendCore = {
    specificationVersion: SPECIFICATION_VERSION,
    name: BACKEND_NAME,
    device: selected.info,
    capabilities: ['batchNorm', 'training'],
    upload(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor {
      const kind = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
      const values = data instanceof Float32Array ? data : Float32Array.from(data);
      return ctx.adopt(storage.upload(values), shape, kind);
    },
    async read(t: Tensor): Promise<Float32Array | Int32Array> {
      const h = own(t);
      const values = await storage.read(h.storage);
      return h.dtype === 'int32' ? Int32Array.from(values) : values;
    },
    reshape(t: Tensor, shape: Shape): Tensor {
      const h = own(t);
      return ctx.adopt(storage.share(h.storage), shape, h.dtype);
    },
    dispose(t: Tensor): void {
      ctx.dispose(own(t));
    },
    memory(): MemoryInfo {
      let bytes = 0;
      for (const t of ctx.live) bytes += t.size * 4;
      return { tensors: ctx.live.size, bytes };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      ctx.close();
      await gpu.destroy();
      if (selected.mode === 'webgpu') await releaseWebGpu();
    },
  };
  return checked({ ...core, ...bindKernels(ctx), kernelModes: () => ctx.kernelModes(), counters: () => ctx.counters() });
}
