export { createBackend, createBackend as default, type GpuBackend, type GpuBackendOptions, type GpuExtras } from './backend.js';
export { DEVICE_CHOICES, type DeviceChoice } from './device.js';
export { MAX_ELEMENTS } from './kernel-context.js';
export type { ExecutionCounters } from './execution/counters.js';
