import type { Shape } from './shape.js';

/** Element types a tensor can hold: float32 for values, int32 for class labels and argmax results. */
export type DType = 'float32' | 'int32';

export type TypedArrayFor<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

/**
 * An opaque, device-resident tensor handle. Its data lives wherever the backend keeps it (host memory,
 * a GPU buffer, a tfjs tensor) and comes back only through `await backend.read(t)`. A handle is immutable:
 * kernels return new handles and never write into their inputs. Free it with `backend.dispose(t)`.
 */
export interface Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Name of the backend that created the handle; handles never cross backends. */
  readonly backend: string;
}
