import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The first call of each kernel compiles it (gpu.js translation, then a WGSL/wasm build).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
