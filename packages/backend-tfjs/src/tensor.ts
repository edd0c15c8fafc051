import { DisposedTensorError, type DType, type Shape, type Tensor } from '@bnkit/core';
import type * as tf from '@tensorflow/tfjs';

export const BACKEND_NAME = 'tfjs';

/**
 * A bnkit handle around a TensorFlow.js tensor. The data stays wherever the active tfjs backend keeps it
 * (a WebGPU buffer, wasm heap, libtensorflow) between kernels; only `read` brings it to the host.
 */
export class TfjsTensor implements Tensor {
  readonly backend = BACKEND_NAME;
  readonly shape: Shape;
  readonly dtype: DType;
  #tensor: tf.Tensor | null;

  constructor(tensor: tf.Tensor) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new TypeError(`tfjs kernels must produce float32 or int32 tensors, got ${tensor.dtype}`);
    }
    this.#tensor = tensor;
    this.shape = Object.freeze([...tensor.shape]);
    this.dtype = tensor.dtype;
  }

  get tensor(): tf.Tensor {
    if (this.#tensor === null) {
      throw new DisposedTensorError(`tensor of shape [${this.shape.join(', ')}] was used after dispose`);
    }
    return this.#tensor;
  }

  /** Frees the tfjs tensor; later use of this handle throws DisposedTensorError. */
  release(): void {
    this.#tensor?.dispose();
    this.#tensor = null;
  }
}
