import { describeBackend } from '@bnkit/conformance/vitest';
import createBackend from '../dist/index.js';

// The shared suite (every fixture, every check, the contract behaviours) on one thread and on a pool of two,
// whose work split must not change any result.
for (const threads of [1, 2]) {
  describeBackend({ name: `@bnkit/backend-ts, ${threads} thread${threads > 1 ? 's' : ''}`, create: (options) => createBackend({ ...options, threads }) });
}
