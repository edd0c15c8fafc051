import { pool2dGeometry, type Pool2dAttrs, type Pool2dGeometry, type Tensor } from '@bnkit/core';

/** Pooling geometry plus attributes; a plain object so it can be posted to workers. */
export interface PoolShape extends Pool2dGeometry {
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
}

/** The call's geometry; `checked` has already validated the arguments, so it is only derived here. */
export function poolShape(x: Tensor, attrs: Pool2dAttrs): PoolShape {
  const g = pool2dGeometry(x.shape, attrs);
  return {
    ...g, kh: attrs.kernel[0], kw: attrs.kernel[1], sh: attrs.stride[0], sw: attrs.stride[1], ph: attrs.padding[0], pw: attrs.padding[1],
  };
}

/**
 * Estimated cost of a pooling pass for the threading decision, in GEMM-FLOP equivalents: each window element
 * costs a scattered load and a compare or add, about 8 times a FLOP of the packed GEMM.
 */
export function poolWork(g: PoolShape): number {
  return 8 * g.n * g.c * g.oh * g.ow * g.kh * g.kw;
}
