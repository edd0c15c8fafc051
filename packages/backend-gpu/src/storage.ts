import type { WebGPUBufferResult, WebGPUContextValue } from './gpujs.js';
import { gpujs } from './gpujs.js';

/*
 * Where tensor data lives. On webgpu it is a GPU storage buffer wrapped in gpu.js's refcounted
 * WebGPUBufferResult, so kernels bind it directly and nothing crosses to the host between kernels. On the
 * webasm and cpu fallbacks gpu.js kernels take and return plain Float32Arrays. Every tensor is stored as
 * float32 (gpu.js kernels read and write f32 only); int32 tensors hold integers below 2^24, which f32
 * represents exactly, and are converted back in `read`.
 */
export type Storage = WebGPUBufferResult | Float32Array;

export interface StorageDevice {
  /** Copies host values into new device storage (synchronously: `upload` is sync in the contract). */
  upload(values: Float32Array): Storage;
  read(storage: Storage): Promise<Float32Array>;
  /** A second reference to the same immutable data, released independently. */
  share(storage: Storage): Storage;
  release(storage: Storage): void;
}

/** Host storage for the webasm and cpu modes: arrays are never written after creation, so sharing is free. */
export const hostStorage: StorageDevice = {
  upload: (values) => values.slice(),
  read: async (storage) => (storage as Float32Array).slice(),
  share: (storage) => storage,
  release: () => undefined,
};

export function webGpuStorage(context: WebGPUContextValue): StorageDevice {
  const { device } = context;
  return {
    upload(values) {
      // WebGPU buffers must be at least 4 bytes and a multiple of 4; an empty tensor gets one spare word.
      const buffer = device.createBuffer({
        size: Math.max(values.byteLength, 4),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      if (values.length > 0) device.queue.writeBuffer(buffer, 0, values);
      return new gpujs.WebGPUBufferResult({ buffer, output: [values.length], context, kernel: null });
    },
    async read(storage) {
      const handle = storage as WebGPUBufferResult;
      const length = handle.output.reduce((a, b) => a * b, 1);
      if (length === 0) return new Float32Array(0);
      const byteLength = length * 4;
      const staging = device.createBuffer({ size: byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      try {
        const encoder = device.createCommandEncoder();
        encoder.copyBufferToBuffer(handle.buffer, 0, staging, 0, byteLength);
        device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ, 0, byteLength);
        return new Float32Array(staging.getMappedRange(0, byteLength).slice(0));
      } finally {
        staging.destroy();
      }
    },
    share: (storage) => (storage as WebGPUBufferResult).clone(),
    release: (storage) => (storage as WebGPUBufferResult).delete(),
  };
}
