// The float32 yardstick whose BatchNorm backward refines the saved mean by one pass over x (see
// float32-backend.js): the contract allows both, and the suite must accept both.
import createFloat32Backend from './float32-backend.js';

export default (options = {}) => createFloat32Backend({ ...options, refineMean: true });
