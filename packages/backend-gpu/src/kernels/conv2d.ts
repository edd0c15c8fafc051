import { conv2dGeometry, type Conv2dAttrs, type Conv2dInputs, type Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource, unravel } from './source.js';

/**
 * Direct convolution, one thread per output element: y = bias + Σ x·w over the window (NCHW, OIHW). Row
 * offsets are hoisted out of the inner loop: gpu.js indexes in f32, so every index term costs arithmetic.
 */
export function conv2d(ctx: KernelContext, inputs: Conv2dInputs, attrs: Conv2dAttrs): Promise<Tensor> {
  const g = conv2dGeometry(inputs.x.shape, inputs.weight.shape, attrs);
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  // Bounds checks are only needed where padding can put the window outside the image.
  const rowGuard = ph > 0 ? `ih >= 0 && ih < ${g.h}` : 'true';
  const colGuard = pw > 0 ? `iw >= 0 && iw < ${g.w}` : 'true';
  const source = kernelSource(
    ['x', 'w', 'bias'],
    `${unravel('this.thread.x', ['n', 'co', 'oh', 'ow'], [g.n, g.cout, g.oh, g.ow])}
let acc = bias[co];
for (let ci = 0; ci < ${g.cin}; ci++) {
  const xPlane = (n * ${g.cin} + ci) * ${g.h};
  const wPlane = (co * ${g.cin} + ci) * ${g.kh};
  for (let kh = 0; kh < ${g.kh}; kh++) {
    const ih = oh * ${sh} + kh - ${ph};
    if (${rowGuard}) {
      const xRow = (xPlane + ih) * ${g.w} + ow * ${sw} - ${pw};
      const wRow = (wPlane + kh) * ${g.kw};
      for (let kw = 0; kw < ${g.kw}; kw++) {
        const iw = ow * ${sw} + kw - ${pw};
        if (${colGuard}) {
          acc += x[xRow + kw] * w[wRow + kw];
        }
      }
    }
  }
}
return acc;`,
  );
  return ctx.run(source, [g.n, g.cout, g.oh, g.ow], [inputs.x, inputs.weight, inputs.bias]);
}
