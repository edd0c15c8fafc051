import type { Backend, Pool2dAttrs, Tensor } from '@bnkit/core';
import { pairOf } from './check.js';
import { ParameterFreeLayer, type ForwardPair } from './parameter-free.js';

export interface Pool2dOptions {
  readonly kernelSize: number | readonly [number, number];
  /** Default: the kernel size (non-overlapping windows). */
  readonly stride?: number | readonly [number, number];
  /** Default 0; at most half the kernel. */
  readonly padding?: number | readonly [number, number];
}

function poolAttrs(options: Pool2dOptions, what: string): Pool2dAttrs {
  const kernel = pairOf(options.kernelSize, 1, `${what} kernelSize`);
  return {
    kernel,
    stride: pairOf(options.stride ?? kernel, 1, `${what} stride`),
    padding: pairOf(options.padding ?? 0, 0, `${what} padding`),
  };
}

function describe(what: string, a: Pool2dAttrs): string {
  return `${what}(${a.kernel.join('x')}, stride ${a.stride.join('x')}, padding ${a.padding.join('x')})`;
}

/** Average pooling over NCHW; zero padding counts in the divisor (PyTorch's count_include_pad). */
export class AvgPool2d extends ParameterFreeLayer {
  readonly #attrs: Pool2dAttrs;
  constructor(backend: Backend, options: Pool2dOptions) {
    const attrs = poolAttrs(options, 'AvgPool2d');
    super(backend, describe('AvgPool2d', attrs));
    this.#attrs = attrs;
  }

  protected apply(x: Tensor): Promise<Tensor> {
    return this.backend.avgPool2d({ x }, this.#attrs);
  }

  protected inputGradient({ x }: ForwardPair, dy: Tensor): Promise<Tensor> {
    return this.backend.avgPool2dBackward({ x, dy }, this.#attrs);
  }
}

/** Max pooling over NCHW; the gradient goes to the first maximum of each window. */
export class MaxPool2d extends ParameterFreeLayer {
  readonly #attrs: Pool2dAttrs;
  constructor(backend: Backend, options: Pool2dOptions) {
    const attrs = poolAttrs(options, 'MaxPool2d');
    super(backend, describe('MaxPool2d', attrs));
    this.#attrs = attrs;
  }

  protected apply(x: Tensor): Promise<Tensor> {
    return this.backend.maxPool2d({ x }, this.#attrs);
  }

  protected inputGradient({ x }: ForwardPair, dy: Tensor): Promise<Tensor> {
    return this.backend.maxPool2dBackward({ x, dy }, this.#attrs);
  }
}
