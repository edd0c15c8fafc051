import { pool2dGeometry, type Pool2dAttrs, type Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { kernelSource, unravel } from './source.js';
import { windowSource } from './window.js';

/*
 * What the four pooling kernels share: their forward and backward sources over NCHW (semantics in core's
 * kernels.ts). Average pooling counts padding in the divisor (count_include_pad), max pooling ignores padding and sends the gradient to the first maximum of each
 * window in row-major order, NaN counting as the largest value (docs/nan-semantics.md).
 */

export type Pool = 'avg' | 'max';

/** Statements scanning the window of output (oh, ow): `acc` (avg) or `best`, `bh`, `bw` (max). */
function scanWindow(pool: Pool, x: { h: number; w: number }, attrs: Pool2dAttrs): string {
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const visit =
    pool === 'avg'
      ? 'acc += v;'
      : `if (found === 0 || (isNan(best) === 0 && (v > best || isNan(v) === 1))) {
        best = v;
        bh = ih;
        bw = iw;
        found = 1;
      }`;
  return `${pool === 'avg' ? 'let acc = 0;' : 'let best = 0;\nlet bh = -1;\nlet bw = -1;\nlet found = 0;'}
for (let kh = 0; kh < ${kh}; kh++) {
  const ih = oh * ${sh} + kh - ${ph};
  if (ih >= 0 && ih < ${x.h}) {
    for (let kw = 0; kw < ${kw}; kw++) {
      const iw = ow * ${sw} + kw - ${pw};
      if (iw >= 0 && iw < ${x.w}) {
      const v = x[(plane * ${x.h} + ih) * ${x.w} + iw];
      ${visit}
      }
    }
  }
}`;
}

export function poolForward(ctx: KernelContext, pool: Pool, x: Tensor, attrs: Pool2dAttrs): Promise<Tensor> {
  const g = pool2dGeometry(x.shape, attrs);
  const source = kernelSource(
    ['x'],
    `${unravel('this.thread.x', ['plane', 'oh', 'ow'], [g.n * g.c, g.oh, g.ow])}
${scanWindow(pool, g, attrs)}
return ${pool === 'avg' ? `acc / ${attrs.kernel[0] * attrs.kernel[1]}` : 'best'};`,
  );
  return ctx.run(source, [g.n, g.c, g.oh, g.ow], [x]);
}

/** One thread per input element, gathering dy from every window that covers it (and, for max, chose it). */
export function poolBackward(ctx: KernelContext, pool: Pool, x: Tensor, dy: Tensor, attrs: Pool2dAttrs): Promise<Tensor> {
  const g = pool2dGeometry(x.shape, attrs);
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  // The candidate window (oh, ow) is renamed so its scan can reuse the names ih, iw, kh, kw.
  const contribution =
    pool === 'avg'
      ? `grad += dy[(plane * ${g.oh} + oh) * ${g.ow} + ow] / ${kh * kw};`
      : `${scanWindow('max', g, attrs)}
        if (bh === ih0 && bw === iw0) {
          grad += dy[(plane * ${g.oh} + oh) * ${g.ow} + ow];
        }`;
  const source = kernelSource(
    pool === 'avg' ? ['dy'] : ['x', 'dy'],
    `${unravel('this.thread.x', ['plane', 'ih0', 'iw0'], [g.n * g.c, g.h, g.w])}
let grad = 0;
for (let kh0 = 0; kh0 < ${kh}; kh0++) {
  ${windowSource('ih0', 'kh0', 'oh', sh, ph, g.oh)}
  if (oh_ok) {
    for (let kw0 = 0; kw0 < ${kw}; kw0++) {
      ${windowSource('iw0', 'kw0', 'ow', sw, pw, g.ow)}
      if (ow_ok) {
        ${contribution}
      }
    }
  }
}
return grad;`,
  );
  return ctx.run(source, x.shape, pool === 'avg' ? [dy] : [x, dy]);
}
