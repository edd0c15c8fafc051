import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../vitest.config.js';

// Pages run the suite and train in a software-rendered browser on a loaded machine: longer than the
// shared limit allows for one test.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 15 * 60_000 } }));
