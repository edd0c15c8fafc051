import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Pages run the suite and train in a software-rendered browser on a loaded machine: minutes, not seconds.
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
  },
});
