import { InvalidArgumentError, requireTraining, type Backend, type TrainingBackend } from '@bnkit/core';
import type { Parameter } from './state-tensor.js';

export interface SgdOptions {
  /** Learning rate, a finite number. */
  readonly lr: number;
}

/** Plain SGD: param ← param − lr·grad, through the backend's `sgd` kernel. */
export class SGD {
  readonly #backend: TrainingBackend;
  #lr = 0;

  constructor(backend: Backend, options: SgdOptions) {
    this.#backend = requireTraining(backend);
    this.lr = options.lr;
  }

  get lr(): number {
    return this.#lr;
  }

  set lr(lr: number) {
    if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new InvalidArgumentError(`SGD lr must be a finite number, got ${String(lr)}`);
    this.#lr = lr;
  }

  /**
   * Updates every parameter that has a gradient, then frees the old values and the gradients (they are
   * spent), so a training step holds no more device memory after it than before it.
   */
  async step(parameters: Iterable<Parameter>): Promise<void> {
    const updates = [...parameters]
      .filter((p) => p.grad !== null)
      .map(async (p) => {
        const next = await this.#backend.sgd({ param: p.value, grad: p.grad! }, { lr: this.#lr });
        p.replace(next);
        p.clearGrad();
      });
    await Promise.all(updates);
  }
}
