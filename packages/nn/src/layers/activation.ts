import type { Backend, Tensor } from '@bnkit/core';
import { ParameterFreeLayer, type ForwardPair } from './parameter-free.js';

/** Logistic sigmoid; its gradient uses the forward output: dx = dy·y·(1 − y). */
export class Sigmoid extends ParameterFreeLayer {
  constructor(backend: Backend) {
    super(backend, 'Sigmoid');
  }

  protected apply(x: Tensor): Promise<Tensor> {
    return this.backend.sigmoid({ x });
  }

  protected inputGradient({ y }: ForwardPair, dy: Tensor): Promise<Tensor> {
    return this.backend.sigmoidBackward({ y, dy });
  }
}

/** max(x, 0); its gradient passes dy where x > 0. */
export class ReLU extends ParameterFreeLayer {
  constructor(backend: Backend) {
    super(backend, 'ReLU');
  }

  protected apply(x: Tensor): Promise<Tensor> {
    return this.backend.relu({ x });
  }

  protected inputGradient({ x }: ForwardPair, dy: Tensor): Promise<Tensor> {
    return this.backend.reluBackward({ x, dy });
  }
}
