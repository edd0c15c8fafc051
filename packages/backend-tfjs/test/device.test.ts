import { BackendClosedError, DeviceUnavailableError, InvalidArgumentError } from '@bnkit/core';
import { DEVICES, createBackend } from '@bnkit/backend-tfjs';
import { describe, expect, it } from 'vitest';
import { tensorflowPackage, tensorflowSkipReason } from './support/tensorflow.js';

describe('device selection', () => {
  it('automatic selection takes the first device that starts and names the ones it passed over', async () => {
    const b = await createBackend();
    try {
      const kind = b.device.kind;
      expect(DEVICES).toContain(kind);
      for (const faster of DEVICES.slice(0, DEVICES.indexOf(kind as (typeof DEVICES)[number]))) {
        // A software WebGPU adapter (lavapipe here) is passed over for wasm even though it starts.
        expect(b.device.description).toMatch(new RegExp(`device '${faster}' (is unavailable|ranks below wasm)`));
      }
      if (!tensorflowPackage) expect(b.device.description).toContain('@tensorflow/tfjs-node-gpu is not installed');
      const y = await b.sigmoid({ x: b.upload([0], [1]) });
      expect(Array.from(await b.read(y))).toEqual([0.5]);
    } finally {
      await b.close();
    }
  });

  it.each(['cpu', 'wasm'] as const)('device: %s forces that device', async (device) => {
    const b = await createBackend({ device });
    expect(b.device.kind).toBe(device);
    await b.close();
  });

  it('an unknown device is an InvalidArgumentError that lists the devices', async () => {
    await expect(createBackend({ device: 'cuda' as never })).rejects.toThrow(InvalidArgumentError);
    await expect(createBackend({ device: 'cuda' as never })).rejects.toThrow(/tensorflow, webgpu, wasm, cpu/);
  });

  it.skipIf(tensorflowPackage !== undefined)('forcing tensorflow without libtensorflow installed is a DeviceUnavailableError with the reason', async () => {
    const attempt = createBackend({ device: 'tensorflow' });
    await expect(attempt).rejects.toThrow(DeviceUnavailableError);
    await expect(createBackend({ device: 'tensorflow' })).rejects.toThrow(/@tensorflow\/tfjs-node-gpu is not installed; @tensorflow\/tfjs-node is not installed/);
  });

  it.skipIf(tensorflowSkipReason !== undefined)(
    `device: tensorflow runs on libtensorflow and reports whether CUDA is in use${tensorflowSkipReason ? ` (skipped: ${tensorflowSkipReason})` : ''}`,
    async () => {
      const b = await createBackend({ device: 'tensorflow' });
      expect(b.device.kind).toBe('tensorflow');
      expect(b.device.description).toMatch(/CUDA in use|CUDA NOT in use|CPU build/);
      if (tensorflowPackage === '@tensorflow/tfjs-node-gpu') expect(['CUDA GPU', 'CPU']).toContain(b.device.name);
      await b.close();
    },
  );
});

describe('backends sharing a device', () => {
  it('closing one backend leaves another on the same device working, and the device can be opened again', async () => {
    const first = await createBackend({ device: 'cpu' });
    const second = await createBackend({ device: 'cpu' });
    const kept = second.upload([1, -1], [2]);
    await first.close();
    expect(Array.from(await second.read(await second.relu({ x: kept })))).toEqual([1, 0]);
    await second.close();
    const again = await createBackend({ device: 'cpu' });
    expect(Array.from(await again.read(await again.relu({ x: again.upload([2, -2], [2]) })))).toEqual([2, 0]);
    await again.close();
  });

  it('backends on two devices in one process interleave correctly', async () => {
    const [cpu, wasm] = await Promise.all([createBackend({ device: 'cpu' }), createBackend({ device: 'wasm' })]);
    const run = async (b: typeof cpu, v: number) => Array.from(await b.read(await b.sgd({ param: b.upload([v, v], [2]), grad: b.upload([1, 2], [2]) }, { lr: 0.5 })));
    const results = await Promise.all([run(cpu, 1), run(wasm, 2), run(cpu, 3), run(wasm, 4)]);
    expect(results).toEqual([[0.5, 0], [1.5, 1], [2.5, 2], [3.5, 3]]);
    await Promise.all([cpu.close(), wasm.close()]);
  });

  it('close() frees every handle; the backend and its handles are unusable afterwards', async () => {
    const b = await createBackend({ device: 'cpu' });
    const t = b.upload([1, 2], [2]);
    expect(b.memory()).toEqual({ tensors: 1, bytes: 8 });
    await b.close();
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
    await expect(b.read(t)).rejects.toThrow(BackendClosedError);
    await expect(b.relu({ x: t })).rejects.toThrow(BackendClosedError);
  });
});
