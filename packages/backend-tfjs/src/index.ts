export { createBackend, createBackend as default, type TfjsBackend, type TfjsBackendOptions } from './backend.js';
export { DEVICES, TENSORFLOW_PACKAGES, type DeviceName } from './device.js';
export { TfjsTensor } from './tensor.js';
