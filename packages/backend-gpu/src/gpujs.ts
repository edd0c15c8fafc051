import { createRequire } from 'node:module';

/*
 * A narrow, typed view of the parts of gpu.js 2.24 this backend uses. gpu.js is CommonJS and its own
 * typings do not describe the WebGPU classes (WebGPUContext, WebGPUBufferResult), so they are declared here.
 */

/** gpu.js execution modes this backend drives. */
export type GpuJsMode = 'webgpu' | 'webasm' | 'cpu';

/** The pipeline-mode result of a webgpu kernel: a refcounted GPUBuffer. */
export interface WebGPUBufferResult {
  readonly buffer: GPUBuffer;
  readonly output: number[];
  readonly type: 'WebGPUBuffer';
  delete(): void;
  clone(): WebGPUBufferResult;
}

/** The device gpu.js shares between every webgpu kernel of the process. */
export interface WebGPUContextValue {
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly isLost: boolean;
}

export interface GpuJsKernelSettings {
  output: number[];
  pipeline: boolean;
  immutable: boolean;
  functions: ((...args: never[]) => unknown)[];
  loopMaxIterations: number;
  tactic: 'precision';
}

/** A compiled kernel; every call returns a Promise on webgpu and a value on the host modes. */
export interface GpuJsKernel {
  (...args: unknown[]): Promise<unknown> | unknown;
  readonly kernel: { readonly constructor: { readonly mode: string }; readonly fallbackReason?: string | null };
}

export interface GpuJsInstance {
  createKernel(source: string, settings: GpuJsKernelSettings): GpuJsKernel;
  destroy(): Promise<void>;
}

interface GpuJsModule {
  GPU: { new (settings: { mode: GpuJsMode }): GpuJsInstance; readonly isWebAssemblySupported: boolean };
  WebGPUContext: { acquire(): Promise<WebGPUContextValue>; destroy(): Promise<void> };
  WebGPUBufferResult: new (settings: { buffer: GPUBuffer; output: number[]; context: WebGPUContextValue; kernel: null }) => WebGPUBufferResult;
}

export const gpujs = createRequire(import.meta.url)('gpu.js') as GpuJsModule;
