import type { Backend, Conv2dAttrs, ParameterGradients, Tensor } from '@bnkit/core';
import { xavierUniform } from '../init.js';
import { mulberry32, type Rng } from '@bnkit/core';
import { booleanOr, pairOf, intAtLeast } from './check.js';
import { WeightedLayer } from './weighted.js';

export interface Conv2dOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number | readonly [number, number];
  /** Default 1. */
  readonly stride?: number | readonly [number, number];
  /** Zero padding on each side; default 0. */
  readonly padding?: number | readonly [number, number];
  /** Source for the Xavier-uniform weights; default a generator seeded with 0. */
  readonly rng?: Rng;
  /** Learn a bias (default true); false keeps it at zero, like PyTorch's `bias=False`. */
  readonly bias?: boolean;
}

/** 2-D convolution over NCHW with an OIHW weight (PyTorch's layouts). */
export class Conv2d extends WeightedLayer {
  readonly #attrs: Conv2dAttrs;

  constructor(backend: Backend, options: Conv2dOptions) {
    const cin = intAtLeast(options.inChannels, 1, 'Conv2d inChannels');
    const cout = intAtLeast(options.outChannels, 1, 'Conv2d outChannels');
    const [kh, kw] = pairOf(options.kernelSize, 1, 'Conv2d kernelSize');
    const attrs: Conv2dAttrs = {
      stride: pairOf(options.stride ?? 1, 1, 'Conv2d stride'),
      padding: pairOf(options.padding ?? 0, 0, 'Conv2d padding'),
    };
    const bias = booleanOr(options.bias, true, 'Conv2d bias');
    const field = kh * kw;
    const w = xavierUniform(cout * cin * field, cin * field, cout * field, options.rng ?? mulberry32(0));
    super(backend, `Conv2d(${cin}→${cout}, ${kh}x${kw}, stride ${attrs.stride.join('x')}, padding ${attrs.padding.join('x')}${bias ? '' : ', no bias'})`, w, [cout, cin, kh, kw], bias);
    this.#attrs = attrs;
  }

  protected apply(x: Tensor): Promise<Tensor> {
    return this.backend.conv2d({ x, weight: this.weight.value, bias: this.bias.value }, this.#attrs);
  }

  protected gradients(x: Tensor, dy: Tensor, inputGradient: boolean): Promise<ParameterGradients> {
    return this.backend.conv2dBackward({ x, weight: this.weight.value, dy }, { ...this.#attrs, inputGradient });
  }
}
