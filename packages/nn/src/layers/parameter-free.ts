import { requireTraining, type Backend, type Tensor, type TrainingBackend } from '@bnkit/core';
import { Saved, type Layer } from '../layer.js';
import type { Parameter, StateTensor } from '../state-tensor.js';

/** What a parameter-free layer's backward pass receives from its forward pass. */
export interface ForwardPair {
  readonly x: Tensor;
  readonly y: Tensor;
}

/**
 * A layer without parameters (pooling, activations, flatten): a forward kernel and an input-gradient
 * kernel that may use the forward input x or output y. Neither is owned by the layer.
 */
export abstract class ParameterFreeLayer implements Layer {
  protected readonly backend: TrainingBackend;
  readonly #saved: Saved<ForwardPair>;

  protected constructor(
    backend: Backend,
    readonly description: string,
  ) {
    this.backend = requireTraining(backend);
    this.#saved = new Saved(description);
  }

  protected abstract apply(x: Tensor): Promise<Tensor>;
  protected abstract inputGradient(saved: ForwardPair, dy: Tensor): Promise<Tensor>;

  async forward(x: Tensor, training: boolean): Promise<Tensor> {
    const y = await this.apply(x);
    if (training) this.#saved.set({ x, y });
    return y;
  }

  async backward(dy: Tensor, inputGradient: boolean): Promise<Tensor | undefined> {
    const saved = this.#saved.take();
    return inputGradient ? this.inputGradient(saved, dy) : undefined;
  }

  parameters(): Readonly<Record<string, Parameter>> {
    return {};
  }

  buffers(): Readonly<Record<string, StateTensor>> {
    return {};
  }

  releaseSaved(): void {
    this.#saved.clear();
  }

  dispose(): void {
    this.releaseSaved();
  }
}
