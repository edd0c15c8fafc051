import { DisposedTensorError, type DType, type Shape, type Tensor } from '@bnkit/core';

export const BACKEND_NAME = 'ts';

/**
 * A host tensor: the handle and its storage are one object. `data` is never written after the tensor is
 * handed out (kernels allocate their outputs), so reshape can share it.
 */
export class TsTensor implements Tensor {
  readonly backend = BACKEND_NAME;
  #data: Float32Array | Int32Array | null;
  constructor(
    data: Float32Array | Int32Array,
    readonly shape: Shape,
    readonly dtype: DType = data instanceof Int32Array ? 'int32' : 'float32',
  ) {
    this.#data = data;
  }

  get data(): Float32Array | Int32Array {
    if (this.#data === null) throw new DisposedTensorError(`tensor of shape [${this.shape.join(', ')}] was used after dispose`);
    return this.#data;
  }

  release(): void {
    this.#data = null;
  }
}

/*
 * Every handle a kernel or the storage receives is a live TsTensor of this backend instance: `checked()`
 * refused anything else before the call, so these are views, not checks.
 */

/** The float32 storage of a handle. */
export function f32(t: Tensor): Float32Array {
  return (t as TsTensor).data as Float32Array;
}

/** The int32 storage of a handle. */
export function i32(t: Tensor): Int32Array {
  return (t as TsTensor).data as Int32Array;
}

export function tensor(data: Float32Array | Int32Array, shape: Shape): TsTensor {
  return new TsTensor(data, shape);
}
