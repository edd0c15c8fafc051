import type { BatchNormKernels, DefaultedAttrCalls, KernelGroup, TrainingKernels } from './kernel-table.js';
import type { Shape } from './shape.js';
import type { DType, Tensor } from './tensor.js';

/** Version tag of this contract, so old and new backend implementations can coexist. */
export const SPECIFICATION_VERSION = 'bnkit-backend/1' as const;

/** Where a backend really runs, as reported in conformance and training output. */
export interface DeviceInfo {
  /** Execution path, e.g. 'cpu', 'webgpu', 'webasm', 'wasm', 'tensorflow'. */
  readonly kind: string;
  /** The adapter or device actually used, e.g. 'llvmpipe', 'nvidia-h200', '2 threads'. */
  readonly name: string;
  /** Free text: driver, vendor, why a fallback was taken. */
  readonly description?: string;
}

export interface MemoryInfo {
  /** Live tensor handles created by this backend and not yet disposed. */
  readonly tensors: number;
  /**
   * 4 bytes per element of every live handle (float32 and int32 alike), summed over handles: the logical
   * size of what the caller holds, not the device allocation. A reshape view counts again although it may
   * share storage, so the figure falls back to its old value exactly when every handle made since is disposed.
   */
  readonly bytes: number;
}

/**
 * The data plane every backend provides. Kernels live beside it: the `batchNorm` group is required,
 * the `training` group is optional and declared in `capabilities`.
 */
export interface BackendCore {
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** Short name, e.g. 'ts', 'gpu', 'tfjs'. */
  readonly name: string;
  readonly device: DeviceInfo;
  /** Kernel groups this backend implements completely. */
  readonly capabilities: readonly KernelGroup[];
  /**
   * Copies host data to the device. The array is not retained. Without `dtype`, an Int32Array is int32 and
   * anything else float32; `checked()` resolves this, so a backend always receives an explicit dtype.
   * int32 data must be integers in the int32 range; float32 data is rounded to float32.
   */
  upload(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor;
  /** Copies device data back to the host. */
  read(t: Tensor): Promise<Float32Array | Int32Array>;
  /** Same data, new shape (same element count). The result is an independent handle. */
  reshape(t: Tensor, shape: Shape): Tensor;
  dispose(t: Tensor): void;
  memory(): MemoryInfo;
  /**
   * Releases the device and every handle; lets the process exit. Afterwards every call fails with
   * BackendClosedError except `close()` (a no-op) and `memory()` (which reports no live tensors).
   */
  close(): Promise<void>;
}

export type Backend = BackendCore & BatchNormKernels & Partial<TrainingKernels & DefaultedAttrCalls>;

/** A backend that implements the training group. */
export type TrainingBackend = BackendCore & BatchNormKernels & TrainingKernels & DefaultedAttrCalls;

/** Options every backend factory accepts; backends add their own (e.g. `device`). */
export interface BackendOptions {
  readonly device?: string;
  readonly threads?: number;
  readonly [key: string]: unknown;
}

/** The default export of a backend module: `export default createBackend`. */
export type BackendFactory = (options?: BackendOptions) => Backend | Promise<Backend>;
