import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import createBackend, { type GpuBackend } from '@bnkit/backend-gpu';
import { gpujs, wgslProgram } from '../src/gpujs.js';

/*
 * The webgpu path dispatches gpu.js's translated WGSL itself, writing its params uniform by the layout gpu.js
 * reports. If the pinned gpu.js changes that translation or layout, these fail before a wrong dispatch can.
 */
describe('gpu.js internals the webgpu recorder relies on', () => {
  let backend: GpuBackend;
  // The backend installs navigator.gpu, which gpu.js's webgpu mode requires to create kernels.
  beforeAll(async () => {
    backend = await createBackend({ device: 'webgpu' });
  });
  afterAll(async () => {
    await backend.close();
  });

  it('is the pinned gpu.js', () => {
    const pkg = createRequire(import.meta.url)('gpu.js/package.json') as { version: string };
    expect(pkg.version).toBe('2.24.1');
  });

  it('translates a kernel to WGSL with params laid out as the recorder writes them', async () => {
    const gpu = new gpujs.GPU({ mode: 'webgpu' });
    try {
      const kernel = gpu.createKernel('function (a, s, b) { return a[this.thread.x] * s + b[this.thread.x]; }', {
        output: [7], pipeline: true, immutable: true, functions: [], loopMaxIterations: 8, tactic: 'precision',
      });
      const program = wgslProgram(kernel, [{ length: 7 }, 'scalar', { length: 7 }]);
      // Header [outputX, outputY, outputZ, dispatchWidth], one vec4 dims row per array, then scalars.
      expect(program.arrayDims).toEqual([{ argument: 0, word: 4 }, { argument: 2, word: 8 }]);
      expect(program.scalars).toEqual([{ argument: 1, word: 12 }]);
      expect(program.paramsBytes).toBe(64);
      expect(program.workgroupWidth).toBe(64);
      const code = program.code.replace(/\s+/g, ' ');
      expect(code).toContain('struct Params { outputX : u32, outputY : u32, outputZ : u32, dispatchWidth : u32, user_a_dims : vec4<u32>, user_b_dims : vec4<u32>, user_s : f32, }');
      expect(code).toContain('@group(0) @binding(0) var<uniform> params : Params;');
      expect(code).toContain('@group(0) @binding(1) var<storage, read> user_a : array<f32>;');
      expect(code).toContain('@group(0) @binding(2) var<storage, read> user_b : array<f32>;');
      expect(code).toContain('@group(0) @binding(3) var<storage, read_write> result : array<f32>;');
      // The recorder folds wide dispatches across y by this formula.
      expect(code).toContain('let flat_index : u32 = gid.x + gid.y * params.dispatchWidth;');
      expect(code).toContain('@compute @workgroup_size(64, 1, 1)');
    } finally {
      await gpu.destroy();
    }
  });

  it('builds no device object of its own for a translated kernel', async () => {
    const before = backend.counters();
    const gpu = new gpujs.GPU({ mode: 'webgpu' });
    const created: GPUBufferDescriptor[] = [];
    const { device } = await gpujs.WebGPUContext.acquire();
    const createBuffer = device.createBuffer.bind(device);
    device.createBuffer = (d: GPUBufferDescriptor) => {
      created.push(d);
      return createBuffer(d);
    };
    try {
      const kernel = gpu.createKernel('function (a) { return a[this.thread.x]; }', {
        output: [3], pipeline: true, immutable: true, functions: [], loopMaxIterations: 8, tactic: 'precision',
      });
      wgslProgram(kernel, [{ length: 3 }]);
      await Promise.resolve();
      expect(created).toEqual([]);
      expect(backend.counters()).toEqual(before);
    } finally {
      device.createBuffer = createBuffer;
      await gpu.destroy();
    }
  });
});
