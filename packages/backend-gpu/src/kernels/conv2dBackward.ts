import { conv2dGeometry, type Conv2dBackwardAttrs, type Conv2dBackwardInputs, type ParameterGradients } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { own } from '../tensor.js';
import { SUM, channelSum } from './channel-sum.js';
import { kernelSource, unravel } from './source.js';
import { sumRows } from './sum-rows.js';
import { windowSource } from './window.js';

/** Multiply-adds each stage-one thread of the weight gradient does, roughly. */
const MACS_PER_THREAD = 128;

/**
 * dx: one thread per input element, gathering dy·w over every output whose window covers it.
 * dweight: a two-stage reduction over (sample, band of output rows): each thread sums one weight's
 * products over one band of one sample, then sumRows adds the bands. dbias: per-channel sum of dy.
 */
export async function conv2dBackward(
  ctx: KernelContext,
  inputs: Conv2dBackwardInputs,
  attrs: Conv2dBackwardAttrs,
): Promise<ParameterGradients> {
  const g = conv2dGeometry(inputs.x.shape, inputs.weight.shape, attrs);
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const x = own(inputs.x);
  const dy = own(inputs.dy);

  const rowsPerBand = Math.max(1, Math.min(g.oh, Math.floor(MACS_PER_THREAD / g.ow)));
  const bands = Math.ceil(g.oh / rowsPerBand);
  const weights = g.cout * g.cin * g.kh * g.kw;
  const rowGuard = ph > 0 ? `ih >= 0 && ih < ${g.h}` : 'true';
  const colGuard = pw > 0 ? `iw >= 0 && iw < ${g.w}` : 'true';
  const partialSource = kernelSource(
    ['x', 'dy'],
    `${unravel('this.thread.x', ['wi', 'n', 'band'], [weights, g.n, bands])}
${unravel('wi', ['co', 'ci', 'kh', 'kw'], [g.cout, g.cin, g.kh, g.kw])}
const dyPlane = (n * ${g.cout} + co) * ${g.oh};
const xPlane = (n * ${g.cin} + ci) * ${g.h};
let acc = 0;
for (let r = 0; r < ${rowsPerBand}; r++) {
  const oh = band * ${rowsPerBand} + r;
  const ih = oh * ${sh} + kh - ${ph};
  if (oh < ${g.oh} && ${rowGuard}) {
    const dyRow = (dyPlane + oh) * ${g.ow};
    const xRow = (xPlane + ih) * ${g.w} + kw - ${pw};
    for (let ow = 0; ow < ${g.ow}; ow++) {
      const iw = ow * ${sw} + kw - ${pw};
      if (${colGuard}) {
        acc += dy[dyRow + ow] * x[xRow + ow * ${sw}];
      }
    }
  }
}
return acc;`,
  );
  const partials = await ctx.run(partialSource, [weights * g.n * bands], [x, dy]);
  let dweight;
  try {
    dweight = await sumRows(ctx, partials, weights, g.n * bands, { shape: inputs.weight.shape });
  } finally {
    ctx.dispose(partials);
  }
  const dbias = await channelSum(ctx, { outer: g.n, channels: g.cout, inner: g.oh * g.ow }, SUM, [dy]);
  if (attrs.inputGradient === false) return { dweight, dbias };

  const dxSource = kernelSource(
    ['dy', 'w'],
    `${unravel('this.thread.x', ['n', 'ci', 'ih', 'iw'], [g.n, g.cin, g.h, g.w])}
let acc = 0;
for (let kh = 0; kh < ${g.kh}; kh++) {
  ${windowSource('ih', 'kh', 'oh', sh, ph, g.oh)}
  if (oh_ok) {
    for (let kw = 0; kw < ${g.kw}; kw++) {
      ${windowSource('iw', 'kw', 'ow', sw, pw, g.ow)}
      if (ow_ok) {
        // Consecutive output channels are a plane of dy and a filter of w apart.
        let dyAt = (n * ${g.cout} * ${g.oh} + oh) * ${g.ow} + ow;
        let wAt = (ci * ${g.kh} + kh) * ${g.kw} + kw;
        for (let co = 0; co < ${g.cout}; co++) {
          acc += dy[dyAt] * w[wAt];
          dyAt = dyAt + ${g.oh * g.ow};
          wAt = wAt + ${g.cin * g.kh * g.kw};
        }
      }
    }
  }
}
return acc;`,
  );
  const dx = await ctx.run(dxSource, x.shape, [dy, inputs.weight]);
  return { dx, dweight, dbias };
}
