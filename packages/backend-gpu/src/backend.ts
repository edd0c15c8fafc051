import { checkBackendOptions, defineBackend, type BackendOptions, type BackendStorage, type DefinedBackend } from '@bnkit/core';
import { selectDevice, type DeviceChoice } from './device.js';
import type { ExecutionCounters } from './execution/counters.js';
import { Recorder } from './execution/recorder.js';
import { gpujs } from './gpujs.js';
import { KernelContext } from './kernel-context.js';
import { bindKernels } from './kernels/index.js';
import { BACKEND_NAME, type GpuTensor } from './tensor.js';
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

export interface GpuExtras {
  /** Compiled kernels by the gpu.js mode each really runs in. */
  kernelModes(): Record<string, number>;
  /** What the WebGPU device was asked to do since the backend opened; null on webasm/cpu. */
  counters(): Readonly<ExecutionCounters> | null;
}

/** The gpu backend object, plus what it adds to the contract for diagnostics. */
export type GpuBackend = DefinedBackend<ReturnType<typeof bindKernels>, GpuExtras>;

/** Handles over the kernel context's device storage; closing frees what kernels left and the device. */
function contextStorage(ctx: KernelContext, closeDevice: () => Promise<void>): BackendStorage<GpuTensor> {
  return {
    // The device stores int32 tensors as float32 values (exact below 2^24), read back as Int32Array.
    upload: (values, shape, dtype) => ctx.adopt(ctx.storage.upload(values instanceof Float32Array ? values : Float32Array.from(values)), shape, dtype),
    async read(t) {
      const values = await ctx.storage.read(t.storage);
      return t.dtype === 'int32' ? Int32Array.from(values) : values;
    },
    reshape: (t, shape) => ctx.adopt(ctx.storage.share(t.storage), shape, t.dtype),
    release: (t) => ctx.dispose(t),
    async close() {
      ctx.close();
      await closeDevice();
    },
  };
}

export async function createBackend(options: GpuBackendOptions = {}): Promise<GpuBackend> {
  // selectDevice checks the device name and lists the choices.
  checkBackendOptions(BACKEND_NAME, options, { device: null, dawnFlags: null });
  const selected = await selectDevice(options.device ?? 'auto', options.dawnFlags ?? []);
  const gpu = new gpujs.GPU({ mode: selected.mode });
  const ctx = new KernelContext(selected.mode, gpu, selected.context ? new Recorder(selected.context) : null);
  return defineBackend({
    name: BACKEND_NAME,
    device: selected.info,
    storage: contextStorage(ctx, async () => {
      await gpu.destroy();
      if (selected.mode === 'webgpu') await releaseWebGpu();
    }),
    kernels: bindKernels(ctx),
    extras: { kernelModes: () => ctx.kernelModes(), counters: () => ctx.counters() },
  });
}
