import { afterEach, describe, expect, it } from 'vitest';
import { DawnProbe, formatStepWork } from '../dist/bench/step-work.js';

/** Stand-ins for the WebGPU classes Dawn's package puts on globalThis; the probe only wraps their methods. */
class GPUDevice {
  createBuffer(d: { size: number }) {
    return d;
  }
}
class GPUQueue {
  submit() {}
  writeBuffer() {}
}
class GPUComputePassEncoder {
  dispatchWorkgroups() {}
}
class GPUBuffer {
  mapAsync() {
    return new Promise<void>((r) => setTimeout(r, 1));
  }
}
const fakes = { GPUDevice, GPUQueue, GPUComputePassEncoder, GPUBuffer };

describe('DawnProbe', () => {
  afterEach(() => {
    for (const k of Object.keys(fakes)) delete (globalThis as Record<string, unknown>)[k];
  });

  it('is not installed where no WebGPU device was opened', () => {
    expect(DawnProbe.install()).toBeNull();
  });

  it('counts each step\'s device calls, leaves out warm-up steps and restores the prototypes', async () => {
    Object.assign(globalThis, fakes);
    const original = GPUQueue.prototype.submit;
    const probe = DawnProbe.install()!;
    const device = new GPUDevice();
    const queue = new GPUQueue();
    const pass = new GPUComputePassEncoder();
    let n = 0;
    const step = probe.step(async () => {
      n++;
      // The warm-up step allocates; the steady ones do not.
      if (n === 1) device.createBuffer({ size: 1024 });
      for (let i = 0; i < 5; i++) pass.dispatchWorkgroups();
      queue.writeBuffer();
      queue.submit();
      await Promise.all([new GPUBuffer().mapAsync(), new GPUBuffer().mapAsync()]);
      return n;
    });
    for (let i = 0; i < 3; i++) await step();
    pass.dispatchWorkgroups(); // between steps: not counted
    expect(probe.summary(1)).toMatchObject({ dispatches: 5, submits: 1, newBuffers: 0, newBufferBytes: 0, writeBuffers: 1 });
    expect(probe.summary(0)).toMatchObject({ newBuffers: 0 }); // the median of [1, 0, 0]
    const cpu = probe.summary(1)!.mainThreadCpuMs;
    if (process.platform === 'linux') expect(cpu).toBeGreaterThanOrEqual(0);
    else expect(cpu).toBeNull();
    expect(probe.summary(3)).toBeNull();
    probe.uninstall();
    expect(GPUQueue.prototype.submit).toBe(original);
  });

  it('formats a summary for the notes', () => {
    expect(formatStepWork({ dispatches: 86, submits: 2, newBuffers: 0, newBufferBytes: 0, writeBuffers: 3, mainThreadCpuMs: 4.25 }))
      .toBe('per step on the device: 86 dispatches, 2 queue submits, 0 new GPU buffers (0.000 MB), 3 writeBuffer calls; 4.3 ms main-thread CPU outside readback waits');
  });
});
