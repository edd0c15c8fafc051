import { expect, it } from 'vitest';
import { DeviceUnavailableError } from '@bnkit/core';
import { describeBackend } from '@bnkit/conformance/vitest';
import createBackend, { type GpuBackend } from '@bnkit/backend-gpu';

/*
 * The shared suite on WebGPU (lavapipe here and in CI, a real GPU elsewhere) and on both CPU fallbacks.
 * Software WebGPU compiles a kernel per new shape, so it tries fewer inputs per property than the CPU modes.
 */

/** Why WebGPU cannot run here, or undefined when an adapter answers. */
async function webgpuSkipReason(): Promise<string | undefined> {
  try {
    await (await createBackend({ device: 'webgpu' })).close();
    return undefined;
  } catch (e) {
    if (e instanceof DeviceUnavailableError) return e.message;
    throw e;
  }
}

const devices = [
  { device: 'webgpu', numRuns: 10, skip: await webgpuSkipReason() },
  { device: 'webasm', numRuns: 25 },
  { device: 'cpu', numRuns: 25 },
] as const;

for (const { device, numRuns, ...rest } of devices) {
  describeBackend({
    name: '@bnkit/backend-gpu',
    create: createBackend,
    devices: [device],
    numRuns,
    ...('skip' in rest && rest.skip !== undefined ? { skip: rest.skip } : {}),
    also(backend) {
      it('ran on the requested device and compiled every kernel in its mode (no silent degradation)', () => {
        const gpu = backend() as GpuBackend;
        expect(gpu.device.kind).toBe(device);
        expect(Object.keys(gpu.kernelModes())).toEqual([device]);
      });
    },
  });
}
