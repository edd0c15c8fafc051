import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../../vitest.config.js';
import { DeviceUnavailableError, InvalidArgumentError, softwareRenderer } from '@bnkit/core';
import { loadBackend } from '@bnkit/loader';
import createBackend from '@bnkit/backend-gpu';
import { webGpuInfo } from '../dist/device.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('device selection', () => {
  it('reports the WebGPU adapter it runs on', async () => {
    const backend = await createBackend({ device: 'webgpu' });
    try {
      expect(backend.device.kind).toBe('webgpu');
      // Here that is Mesa's software Vulkan driver; on an NVIDIA host e.g. 'nvidia-h200'.
      expect(backend.device.name).toMatch(/\S/);
      expect(backend.device.name).not.toMatch(/-$/);
      expect(backend.device.description).toMatch(/Dawn/);
      expect(backend.capabilities).toEqual(['batchNorm', 'training']);
    } finally {
      await backend.close();
    }
  });

  it("'auto' prefers WebGPU on a GPU and passes a software adapter over for webasm", async () => {
    const forced = await createBackend({ device: 'webgpu' });
    // The forced device's description carries the adapter's driver description ('llvmpipe: Mesa …' here).
    const software = softwareRenderer({ description: forced.device.description });
    await forced.close();
    const backend = await createBackend();
    try {
      if (software) {
        expect(backend.device.kind).toBe('webasm');
        expect(backend.device.description).toContain(`the WebGPU adapter is the software renderer ${software}, slower than webasm`);
      } else {
        expect(backend.device.kind).toBe('webgpu');
      }
    } finally {
      await backend.close();
    }
  });

  it.each([
    [{ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7' }, 'llvmpipe-llvm-15-0-6-256-bits (software)', /^software renderer llvmpipe: shaders run on the CPU/],
    [{ vendor: 'google', architecture: 'swiftshader', device: 'SwiftShader Device (Subzero)', description: '' }, 'SwiftShader Device (Subzero) (software)', /^software renderer swiftshader/],
    [{ vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'NVIDIA: 550.54.15' }, 'nvidia-h200', /^NVIDIA: 550.54.15; vendor nvidia; architecture hopper/],
  ])('names the adapter %j in device info', (info, name, description) => {
    const device = webGpuInfo(info as GPUAdapterInfo);
    expect(device.name).toBe(name);
    expect(device.description).toMatch(description);
  });

  it("device 'webgpu' without an adapter is a DeviceUnavailableError", async () => {
    // Asking Dawn for an adapter that does not exist is how a machine without a usable GPU driver looks.
    const failure = createBackend({ device: 'webgpu', dawnFlags: ['adapter=no-such-adapter'] });
    await expect(failure).rejects.toBeInstanceOf(DeviceUnavailableError);
    await expect(failure).rejects.toThrow(/no WebGPU adapter.*no-such-adapter|no suitable/s);
  });

  it("'auto' without an adapter falls back to webasm and says why on stderr", async () => {
    const script = `
      import createBackend from '@bnkit/backend-gpu';
      const b = await createBackend({ dawnFlags: ['adapter=no-such-adapter'] });
      const x = b.upload([1, -2, 3, -4], [2, 2]);
      console.log(JSON.stringify({ device: b.device, y: Array.from(await b.read(await b.relu({ x }))) }));
      await b.close();`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: here, encoding: 'utf8', timeout: CHILD_LIMIT_MS });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(out.device.kind).toBe('webasm');
    expect(out.device.description).toMatch(/fallback because no WebGPU adapter/);
    expect(out.y).toEqual([1, 0, 3, 0]);
    expect(run.stderr).toMatch(/WARNING: WebGPU is not available/);
  });

  it.each(['cpu', 'webasm'] as const)("device '%s' forced works without touching WebGPU", async (device) => {
    const backend = await createBackend({ device });
    try {
      expect(backend.device.kind).toBe(device);
      expect((globalThis as { navigator?: unknown }).navigator).toBeUndefined();
      const x = backend.upload([0, 1, -1, 2], [2, 2]);
      const y = await backend.read(await backend.sigmoid({ x }));
      expect(Array.from(y).map((v) => +v.toFixed(6))).toEqual([0.5, 0.731059, 0.268941, 0.880797]);
    } finally {
      await backend.close();
    }
  });

  it('rejects an unknown device name with the allowed ones', async () => {
    await expect(createBackend({ device: 'tpu' as never })).rejects.toThrow(InvalidArgumentError);
    await expect(createBackend({ device: 'tpu' as never })).rejects.toThrow(/auto, webgpu, webasm, cpu/);
  });

  it('loads through loadBackend by its short name', async () => {
    const backend = await loadBackend('gpu', { device: 'cpu' }, import.meta.url);
    try {
      expect(backend.name).toBe('gpu');
    } finally {
      await backend.close();
    }
  });
});

describe('process lifetime', () => {
  it('a script that creates the backend, runs a kernel and closes exits by itself', () => {
    const script = `
      import createBackend from '@bnkit/backend-gpu';
      const b = await createBackend({ device: 'webgpu' });
      const x = b.upload(new Float32Array(4096).fill(2), [64, 64]);
      const y = await b.read(await b.sgd({ param: x, grad: x }, { lr: 0.25 }));
      console.log(b.device.kind, y[0]);
      await b.close();`;
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: here, encoding: 'utf8', timeout: CHILD_LIMIT_MS });
    expect(run.signal, 'the process had to be killed: something keeps Node alive').toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('webgpu 1.5');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('keeps running safely after close (Dawn is not torn down under a live process)', () => {
    const script = `
      import createBackend from '@bnkit/backend-gpu';
      for (let i = 0; i < 2; i++) {
        const b = await createBackend({ device: 'webgpu' });
        await b.read(await b.relu({ x: b.upload([1, -1], [2]) }));
        await b.close();
        for (let j = 0; j < 5; j++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); }
      }
      console.log('ok');`;
    const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: here, encoding: 'utf8', timeout: CHILD_LIMIT_MS });
    expect(run.signal).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('ok');
  });
});
