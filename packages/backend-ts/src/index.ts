export { createBackend, createBackend as default, isTsBackend, type TsBackend, type TsBackendOptions } from './backend.js';
export { TsTensor } from './tensor.js';
