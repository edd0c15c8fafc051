// gpu.js is CommonJS: its module.exports is the default import. Its source entry (the package's main) by path,
// so bundlers take it too: the package's "browser" build lacks helpers its WGSL translation calls (fn_isNan).
import gpujsExports from 'gpu.js/src/index.js';
import { DeviceUnavailableError } from '@bnkit/core';

/*
 * A narrow, typed view of the parts of gpu.js 2.24 this backend uses, and the ONLY module that touches its
 * internals. gpu.js is the kernel language and the JS→WGSL compiler here; execution on webgpu is the
 * backend's own (execution/recorder.ts), so this module asks a gpu.js webgpu kernel for its translation
 * (WGSL text and the layout of its params uniform) without letting it build device objects or run.
 * test/gpujs-internals.test.ts fails loudly if the pinned gpu.js changes any shape relied on here.
 */

/** gpu.js execution modes this backend drives. */
export type GpuJsMode = 'webgpu' | 'webasm' | 'cpu';

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
}

export const gpujs = gpujsExports as unknown as GpuJsModule;

/** A kernel argument as the translation sees it: an array of `length` floats, or a float scalar. */
export type ArgumentKind = { readonly length: number } | 'scalar';

/**
 * Everything needed to dispatch a gpu.js webgpu kernel without gpu.js: the WGSL module and where each value
 * goes in its params uniform (binding 0). Array arguments bind at 1..n in argument order, the output after
 * them. Offsets are in 4-byte words.
 */
export interface WgslProgram {
  readonly code: string;
  /** Size of the params uniform, bytes (a multiple of 16). */
  readonly paramsBytes: number;
  /** Threads per workgroup along x; kernels here are one-dimensional. */
  readonly workgroupWidth: number;
  /** Word offset of each array argument's `[n, 1, 1, n]` dims row, in argument order. */
  readonly arrayDims: readonly { readonly argument: number; readonly word: number }[];
  /** Word offset of each scalar argument (written as f32), in argument order. */
  readonly scalars: readonly { readonly argument: number; readonly word: number }[];
}

/*
 * The internals of gpu.js's WebGPUKernel (src/backend/web-gpu/kernel.js) this relies on: `build()` validates,
 * translates and fills `compiledSource`, `paramsLayout` and `workgroupSize` synchronously and only then calls
 * `_buildAsync()` for the device work, which is replaced here so gpu.js creates no device object at all.
 */
interface WebGpuKernelInternals {
  build(...args: unknown[]): unknown;
  _buildAsync(): Promise<void>;
  compiledSource: string | null;
  workgroupSize?: readonly number[];
  paramsLayout: {
    readonly arrayArgs: readonly { readonly index: number; readonly dimsOffset: number }[];
    readonly scalarArgs: readonly { readonly index: number; readonly offset: number; readonly type: string }[];
    readonly bufferConstants: readonly unknown[];
    readonly randomSeedOffset: number | null;
    readonly byteLength: number;
  } | null;
}

/** gpu.js changed what this module relies on: the webgpu path refuses to dispatch with a layout it cannot trust. */
export class GpuJsShapeError extends DeviceUnavailableError {}

function shapeError(what: string): never {
  throw new GpuJsShapeError(`gpu backend: the installed gpu.js differs from the pinned 2.24.1 (${what}); webgpu execution needs gpu.js 2.24.1, or use device 'webasm'/'cpu'`);
}

/** Translates a webgpu-mode gpu.js kernel for arguments of these kinds. */
export function wgslProgram(kernel: GpuJsKernel, args: readonly ArgumentKind[]): WgslProgram {
  const k = kernel.kernel as unknown as WebGpuKernelInternals;
  if (kernel.kernel.constructor.mode !== 'webgpu') shapeError(`expected a webgpu kernel, got mode '${kernel.kernel.constructor.mode}'`);
  if (typeof k.build !== 'function' || typeof k._buildAsync !== 'function') shapeError('WebGPUKernel has no build()/_buildAsync()');
  // gpu.js reads an argument's type from its own `type` property; 'WebGPUBuffer' is its device-resident array.
  const standIns = args.map((a) => (a === 'scalar' ? 0.5 : { type: 'WebGPUBuffer', output: [a.length] }));
  k._buildAsync = () => Promise.resolve();
  k.build(...standIns);
  const layout = k.paramsLayout;
  if (typeof k.compiledSource !== 'string' || !layout || !Array.isArray(layout.arrayArgs) || !Array.isArray(layout.scalarArgs)) {
    shapeError('build() no longer fills compiledSource/paramsLayout synchronously');
  }
  if (!k.workgroupSize || k.workgroupSize[1] !== 1 || k.workgroupSize[2] !== 1) shapeError('workgroupSize is not [x, 1, 1] for a 1-D output');
  if (layout.bufferConstants.length > 0 || layout.randomSeedOffset !== null) {
    shapeError('a kernel here uses constants or random(), which the recorder does not bind');
  }
  if (layout.arrayArgs.length + layout.scalarArgs.length !== args.length) shapeError('paramsLayout does not list every argument');
  for (const s of layout.scalarArgs) {
    if (s.type !== 'Number' && s.type !== 'Float') shapeError(`scalar argument ${s.index} has type '${s.type}', expected f32`);
  }
  return {
    code: k.compiledSource,
    paramsBytes: layout.byteLength,
    workgroupWidth: k.workgroupSize[0],
    arrayDims: layout.arrayArgs.map((a) => ({ argument: a.index, word: a.dimsOffset / 4 })),
    scalars: layout.scalarArgs.map((s) => ({ argument: s.index, word: s.offset / 4 })),
  };
}
