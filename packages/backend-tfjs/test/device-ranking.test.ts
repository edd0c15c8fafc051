import { describe, expect, it } from 'vitest';
import { DeviceUnavailableError } from '@bnkit/core';
import { openFirst, type DeviceName, type OpenDevice } from '../dist/device.js';

/** Fake devices: each name either starts (as a GPU or as a software adapter) or is unavailable. */
function fakes(setup: Partial<Record<DeviceName, 'gpu' | 'software' | 'unavailable'>>) {
  const opened: DeviceName[] = [];
  const released: DeviceName[] = [];
  const open = async (name: DeviceName): Promise<OpenDevice> => {
    opened.push(name);
    const how = setup[name] ?? 'unavailable';
    if (how === 'unavailable') throw new DeviceUnavailableError(`device '${name}' is unavailable: faked`);
    return {
      name,
      info: { kind: name, name: how === 'software' ? 'llvmpipe (software)' : 'fake GPU', description: `fake ${name}` },
      ...(how === 'software' ? { software: 'llvmpipe' } : {}),
      release: () => undefined,
    };
  };
  return { open, release: (d: OpenDevice) => released.push(d.name), opened, released };
}

describe('automatic device ranking', () => {
  it('a software WebGPU adapter ranks below wasm', async () => {
    const f = fakes({ webgpu: 'software', wasm: 'gpu', cpu: 'gpu' });
    const device = await openFirst(f.open, f.release);
    expect(device.name).toBe('wasm');
    expect(f.opened).toEqual(['tensorflow', 'webgpu', 'wasm']);
    expect(f.released).toEqual(['webgpu']);
    expect(device.info.description).toContain("device 'webgpu' ranks below wasm: its adapter is the software renderer llvmpipe");
  });

  it('a hardware WebGPU adapter still ranks above wasm', async () => {
    const f = fakes({ webgpu: 'gpu', wasm: 'gpu' });
    const device = await openFirst(f.open, f.release);
    expect(device.name).toBe('webgpu');
    expect(f.released).toEqual([]);
  });

  it('the software adapter is taken when wasm cannot start, before cpu', async () => {
    const f = fakes({ webgpu: 'software', cpu: 'gpu' });
    const device = await openFirst(f.open, f.release);
    expect(device.name).toBe('webgpu');
    expect(device.software).toBe('llvmpipe');
    expect(f.opened).toEqual(['tensorflow', 'webgpu', 'wasm', 'webgpu']);
    expect(device.info.description).toContain("device 'wasm' is unavailable");
  });
});
