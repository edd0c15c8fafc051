import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Device start-up (WebGPU through a software Vulkan driver) and the plain-JS cpu backend are slow.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
