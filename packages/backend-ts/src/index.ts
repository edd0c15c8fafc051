export { createBackend, createBackend as default, type TsBackendOptions } from './backend.js';
export { TsTensor } from './tensor.js';
