import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import createBackend, { type GpuBackend } from '@bnkit/backend-gpu';
import { pytorchFixturesDir, readFixtures, worstViolation } from '@bnkit/fixtures';
import { runFixture } from './run-fixture.js';

/*
 * Every PyTorch golden case (except the end-to-end LeNet-BN ones, which belong to @bnkit/nn) within its
 * stored tolerance, on WebGPU (lavapipe here and in CI, a real GPU elsewhere) and on both CPU fallbacks.
 */
const cases = readFixtures([pytorchFixturesDir]).filter((c) => c.op !== 'lenetBN');

describe.each(['webgpu', 'webasm', 'cpu'] as const)('PyTorch fixtures on %s', (device) => {
  let backend: GpuBackend;
  beforeAll(async () => {
    backend = await createBackend({ device });
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('runs on the requested device', () => {
    expect(backend.device.kind).toBe(device);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const actual = await runFixture(backend, c);
    for (const [key, expected] of Object.entries(c.expected)) {
      const { ratio, index } = worstViolation(actual[key], expected.data, c.tolerance);
      expect(ratio, `${c.id} ${key}[${index}]: got ${actual[key][index]}, expected ${expected.data[index]} (rtol ${c.tolerance.rtol}, atol ${c.tolerance.atol})`).toBeLessThanOrEqual(1);
    }
    expect(backend.memory().tensors).toBe(0);
  });

  it('compiled every kernel in the requested mode (no silent degradation)', () => {
    expect(Object.keys(backend.kernelModes())).toEqual([device]);
  });
});
