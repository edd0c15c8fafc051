import { conv2dGeometry, type Conv2dAttrs, type Tensor } from '@bnkit/core';
import type { ConvShape } from '../../linalg/im2col.js';

/** The call's geometry; `checked` has already validated the arguments, so it is only derived here. */
export function convShape(inputs: { readonly x: Tensor; readonly weight: Tensor }, attrs: Conv2dAttrs): ConvShape {
  const geometry = conv2dGeometry(inputs.x.shape, inputs.weight.shape, attrs);
  return { ...geometry, sh: attrs.stride[0], sw: attrs.stride[1], ph: attrs.padding[0], pw: attrs.padding[1] };
}

/** Multiply-adds of one pass (forward, or each of the two backward products), times two for FLOPs. */
export function conv2dFlops(g: ConvShape): number {
  return 2 * g.n * g.cout * g.oh * g.ow * g.cin * g.kh * g.kw;
}
