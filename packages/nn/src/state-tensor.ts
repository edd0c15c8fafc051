import type { Backend, Shape, Tensor } from '@bnkit/core';

/**
 * A tensor a layer keeps between steps (a running statistic). Kernels never write into their inputs, so
 * an update produces a new handle: `replace` installs it and frees the old one.
 */
export class StateTensor {
  #value: Tensor;
  constructor(
    protected readonly backend: Backend,
    value: Tensor,
  ) {
    this.#value = value;
  }

  get value(): Tensor {
    return this.#value;
  }

  get shape(): Shape {
    return this.#value.shape;
  }

  /** Installs a new value and disposes the previous one. */
  replace(value: Tensor): void {
    if (value === this.#value) return;
    this.backend.dispose(this.#value);
    this.#value = value;
  }

  /** A host copy of the value. */
  async read(): Promise<Float32Array> {
    return (await this.backend.read(this.#value)) as Float32Array;
  }

  dispose(): void {
    this.backend.dispose(this.#value);
  }
}

/** A trainable tensor with the gradient of the last backward pass (null until then and after a step). */
export class Parameter extends StateTensor {
  #grad: Tensor | null = null;

  get grad(): Tensor | null {
    return this.#grad;
  }

  /** Installs the gradient of the latest backward pass, disposing an unused older one. */
  setGrad(grad: Tensor): void {
    this.clearGrad();
    this.#grad = grad;
  }

  clearGrad(): void {
    if (this.#grad) this.backend.dispose(this.#grad);
    this.#grad = null;
  }

  override dispose(): void {
    this.clearGrad();
    super.dispose();
  }
}
