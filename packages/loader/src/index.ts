export * from './load.js';
export * from './outputs.js';
