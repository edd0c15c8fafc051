/**
 * What a webgpu backend has asked of the device since it opened, counted where it asks (so the figures are
 * exact on any adapter, software or not). Diagnostics: `pnpm bench` prints them per training step.
 */
export interface ExecutionCounters {
  /** Compute dispatches recorded. */
  dispatches: number;
  /** `queue.submit` calls. */
  submits: number;
  /** GPU buffers created (storage, params ring, readback staging). */
  buffersCreated: number;
  /** Bytes of those buffers. */
  bytesAllocated: number;
  /** `queue.writeBuffer` calls (uploads and one params write per flush). */
  writeBuffers: number;
}

export function zeroCounters(): ExecutionCounters {
  return { dispatches: 0, submits: 0, buffersCreated: 0, bytesAllocated: 0, writeBuffers: 0 };
}
