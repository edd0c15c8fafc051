import { DeviceBuffer, type Recorder } from './execution/recorder.js';

/*
 * Where tensor data lives. On webgpu it is a pooled GPU storage buffer (execution/recorder.ts), so kernels
 * bind it directly and nothing crosses to the host between kernels. On the webasm and cpu fallbacks gpu.js
 * kernels take and return plain Float32Arrays. Every tensor is stored as float32 (gpu.js kernels read and
 * write f32 only); int32 tensors hold integers below 2^24, which f32 represents exactly, and are converted
 * back in `read`.
 */
export type Storage = DeviceBuffer | Float32Array;

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

export function webGpuStorage(recorder: Recorder): StorageDevice {
  return {
    upload: (values) => recorder.upload(values),
    read: (storage) => recorder.read(storage as DeviceBuffer),
    share(storage) {
      (storage as DeviceBuffer).refs++;
      return storage;
    },
    release: (storage) => recorder.release(storage as DeviceBuffer),
  };
}
