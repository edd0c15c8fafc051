export * from './batchnorm.js';
export * from './finite-differences.js';
export * from './transpose.js';
