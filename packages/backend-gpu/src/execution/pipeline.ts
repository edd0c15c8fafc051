import { DeviceUnavailableError } from '@bnkit/core';
import type { WgslProgram } from '../gpujs.js';
import { deviceWait } from './device-wait.js';

/** A gpu.js kernel's WGSL as a compute pipeline whose params uniform takes a dynamic offset (a ring slot). */
export interface CompiledKernel {
  /** Names the kernel in bind-group cache keys. */
  readonly id: number;
  readonly program: WgslProgram;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

let nextId = 0;

/**
 * Builds the pipeline with this backend's own bind-group layout: binding 0 is the params uniform with
 * `hasDynamicOffset`, so one bind group serves every dispatch of the kernel over the same buffers whatever
 * ring slot holds its params. Arrays bind read-only at 1..n, the output read-write after them (gpu.js's order).
 */
export async function compileKernel(device: GPUDevice, program: WgslProgram): Promise<CompiledKernel> {
  const entries: GPUBindGroupLayoutEntry[] = [
    { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: program.paramsBytes } },
  ];
  for (let i = 0; i < program.arrayDims.length; i++) {
    entries.push({ binding: 1 + i, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
  }
  entries.push({ binding: 1 + program.arrayDims.length, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
  const layout = device.createBindGroupLayout({ entries });
  const module = device.createShaderModule({ code: program.code });
  try {
    const pipeline = await deviceWait(() =>
      device.createComputePipelineAsync({
        layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      }),
    );
    return { id: nextId++, program, pipeline, layout };
  } catch (e) {
    const info = await module.getCompilationInfo();
    const messages = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
    throw new DeviceUnavailableError(
      `gpu backend: the WebGPU device could not build a kernel's compute pipeline (${(e as Error).message}` +
        `${messages.length ? `; ${messages.join('; ')}` : ''})\n--- WGSL ---\n${program.code}`,
    );
  }
}
