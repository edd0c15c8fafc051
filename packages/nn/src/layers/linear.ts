import type { Backend, ParameterGradients, Tensor } from '@bnkit/core';
import { xavierUniform } from '../init.js';
import { mulberry32, type Rng } from '@bnkit/core';
import { booleanOr, intAtLeast } from './check.js';
import { WeightedLayer } from './weighted.js';

export interface LinearOptions {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Source for the Xavier-uniform weights; default a generator seeded with 0. */
  readonly rng?: Rng;
  /** Learn a bias (default true); false keeps it at zero, like PyTorch's `bias=False`. */
  readonly bias?: boolean;
}

/** Fully connected layer: y = x·weightᵀ + bias with x [N, in] and weight [out, in] (PyTorch's layout). */
export class Linear extends WeightedLayer {
  constructor(backend: Backend, options: LinearOptions) {
    const fin = intAtLeast(options.inFeatures, 1, 'Linear inFeatures');
    const fout = intAtLeast(options.outFeatures, 1, 'Linear outFeatures');
    const bias = booleanOr(options.bias, true, 'Linear bias');
    const w = xavierUniform(fout * fin, fin, fout, options.rng ?? mulberry32(0));
    super(backend, `Linear(${fin}→${fout}${bias ? '' : ', no bias'})`, w, [fout, fin], bias);
  }

  protected apply(x: Tensor): Promise<Tensor> {
    return this.backend.linear({ x, weight: this.weight.value, bias: this.bias.value });
  }

  protected gradients(x: Tensor, dy: Tensor): Promise<ParameterGradients> {
    return this.backend.linearBackward({ x, weight: this.weight.value, dy });
  }
}
