import { DisposedTensorError, formatShape, sizeOf, type DType, type Shape, type Tensor } from '@bnkit/core';
import type { Storage } from './storage.js';

export const BACKEND_NAME = 'gpu';

/** A handle of this backend: shape and dtype on the host, the values in device storage. */
export class GpuTensor implements Tensor {
  readonly backend = BACKEND_NAME;
  readonly size: number;
  #storage: Storage | null;

  constructor(storage: Storage, readonly shape: Shape, readonly dtype: DType) {
    this.#storage = storage;
    this.size = sizeOf(shape);
  }

  get storage(): Storage {
    if (this.#storage === null) throw new DisposedTensorError(`tensor of shape ${formatShape(this.shape)} was used after dispose`);
    return this.#storage;
  }

  /** Detaches the storage (for the caller to release); the handle is unusable afterwards. */
  take(): Storage | null {
    const s = this.#storage;
    this.#storage = null;
    return s;
  }
}

/**
 * The handle as this backend's type. Every handle a kernel or the storage receives is a live GpuTensor of
 * this backend instance (`checked()` refused anything else before the call), so this is a view, not a check.
 */
export function own(t: Tensor): GpuTensor {
  return t as GpuTensor;
}
