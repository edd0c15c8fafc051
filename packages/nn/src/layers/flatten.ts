import { ShapeError, formatShape, sizeOf, type Backend, type Tensor } from '@bnkit/core';
import { ParameterFreeLayer, type ForwardPair } from './parameter-free.js';

/** [N, ...rest] → [N, prod(rest)]; a reshape, so it costs no kernel. */
export class Flatten extends ParameterFreeLayer {
  constructor(backend: Backend) {
    super(backend, 'Flatten');
  }

  protected async apply(x: Tensor): Promise<Tensor> {
    if (x.shape.length < 1) throw new ShapeError(`Flatten needs a batch axis, got shape ${formatShape(x.shape)}`);
    return this.backend.reshape(x, [x.shape[0], sizeOf(x.shape.slice(1))]);
  }

  protected async inputGradient({ x }: ForwardPair, dy: Tensor): Promise<Tensor> {
    return this.backend.reshape(dy, x.shape);
  }
}
