import type { Conv2dGeometry } from '@bnkit/core';
import { scratch } from '../storage/scratch.js';
import { NR } from './gemm.js';

/*
 * Patch matrices for conv2d, written straight into the packed panel layouts gemm.ts reads, so no separate
 * packing pass is needed. Patch element (k, q) is input value x[ci, oy·sh + ky − ph, ox·sw + kx − pw] with
 * k = (ci, ky, kx) over cin·kh·kw and q = (oy, ox) over oh·ow. With a zero-padded copy of the image the
 * value sits at image[xBase[q] + kOff[k]], so the loops below need no bounds checks and write their
 * destination sequentially; the unrolled inner loops assume NR = 4.
 */

if (NR !== 4) throw new Error('im2col.ts unrolls panels of 4 columns; update it with gemm.ts NR');

/** Everything a conv2d pass needs to know about its shapes; a plain object so it can be posted to workers. */
export interface ConvShape extends Conv2dGeometry {
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
}

/** Offsets into the (padded) image: value (k, q) lives at xBase[q] + kOff[k]. */
export interface PatchTables {
  readonly kc: number;
  readonly p: number;
  readonly hp: number;
  readonly wp: number;
  readonly xBase: Int32Array;
  readonly kOff: Int32Array;
}

export function patchTables(g: ConvShape): PatchTables {
  const hp = g.h + 2 * g.ph;
  const wp = g.w + 2 * g.pw;
  const kc = g.cin * g.kh * g.kw;
  const p = g.oh * g.ow;
  const kOff = new Int32Array(kc);
  let k = 0;
  for (let ci = 0; ci < g.cin; ci++) for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) kOff[k++] = ci * hp * wp + ky * wp + kx;
  const xBase = new Int32Array(p);
  let q = 0;
  for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) xBase[q++] = oy * g.sh * wp + ox * g.sw;
  return { kc, p, hp, wp, xBase, kOff };
}

/** The image as patches read it: x itself without padding, else a zero-bordered copy in scratch memory. */
function paddedImage(x: Float32Array, xOff: number, g: ConvShape, t: PatchTables): { src: Float32Array; off: number } {
  if (g.ph === 0 && g.pw === 0) return { src: x, off: xOff };
  const img = scratch('im2col.padded', g.cin * t.hp * t.wp);
  img.fill(0, 0, g.cin * t.hp * t.wp);
  for (let ci = 0; ci < g.cin; ci++) {
    for (let iy = 0; iy < g.h; iy++) {
      const from = xOff + (ci * g.h + iy) * g.w;
      img.set(x.subarray(from, from + g.w), (ci * t.hp + iy + g.ph) * t.wp + g.pw);
    }
  }
  return { src: img, off: 0 };
}

/**
 * Patches of one image as the packed right operand (kc × p) of `W · patches` (forward):
 * panels of 4 output positions, [⌈p/4⌉][kc][4]; positions past p are zero.
 */
export function im2colColumns(x: Float32Array, xOff: number, g: ConvShape, t: PatchTables, dst: Float64Array): void {
  const { src, off } = paddedImage(x, xOff, g, t);
  const { kc, p, xBase, kOff } = t;
  let d = 0;
  let q = 0;
  for (; q + 4 <= p; q += 4) {
    const b0 = off + xBase[q], b1 = off + xBase[q + 1], b2 = off + xBase[q + 2], b3 = off + xBase[q + 3];
    for (let k = 0; k < kc; k++, d += 4) {
      const o = kOff[k];
      dst[d] = src[b0 + o]; dst[d + 1] = src[b1 + o]; dst[d + 2] = src[b2 + o]; dst[d + 3] = src[b3 + o];
    }
  }
  if (q < p) {
    for (let k = 0; k < kc; k++) for (let c = 0; c < 4; c++) dst[d++] = q + c < p ? src[off + xBase[q + c] + kOff[k]] : 0;
  }
}

/**
 * Patches of one image transposed, as the packed right operand (p × kc) of `dY · patchesᵀ` (weight
 * gradient): panels of 4 patch entries, [⌈kc/4⌉][p][4]; entries past kc are zero.
 */
export function im2colRows(x: Float32Array, xOff: number, g: ConvShape, t: PatchTables, dst: Float64Array): void {
  const { src, off } = paddedImage(x, xOff, g, t);
  const { kc, p, xBase, kOff } = t;
  let d = 0;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const o0 = off + kOff[k], o1 = off + kOff[k + 1], o2 = off + kOff[k + 2], o3 = off + kOff[k + 3];
    for (let q = 0; q < p; q++, d += 4) {
      const b = xBase[q];
      dst[d] = src[b + o0]; dst[d + 1] = src[b + o1]; dst[d + 2] = src[b + o2]; dst[d + 3] = src[b + o3];
    }
  }
  if (k < kc) {
    for (let q = 0; q < p; q++) for (let c = 0; c < 4; c++) dst[d++] = k + c < kc ? src[off + xBase[q] + kOff[k + c]] : 0;
  }
}

/** Adds the patch gradient dcol ([kc, p], row-major) onto one image's gradient dx (from dxOff). */
export function col2im(dcol: Float32Array, g: ConvShape, t: PatchTables, dx: Float32Array, dxOff: number): void {
  const { kc, hp, wp, kOff } = t;
  // Geometry in locals: no object field is read inside the loops (see avgPool2dBackward.ts for why).
  const { oh, ow, sh, sw, ph, pw, cin, h, w } = g;
  const padded = ph !== 0 || pw !== 0;
  // Without padding dx is written in place; with it, into a zero-bordered image whose interior is added after.
  const img = padded ? scratch('col2im.padded', cin * hp * wp).fill(0, 0, cin * hp * wp) : dx;
  const off = padded ? 0 : dxOff;
  for (let k = 0, d = 0; k < kc; k++) {
    for (let oy = 0, row = off + kOff[k]; oy < oh; oy++, row += sh * wp) {
      for (let ox = 0, i = row; ox < ow; ox++, d++, i += sw) img[i] += dcol[d];
    }
  }
  if (padded) {
    for (let ci = 0; ci < cin; ci++) {
      for (let iy = 0; iy < h; iy++) {
        const from = (ci * hp + iy + ph) * wp + pw;
        const to = dxOff + (ci * h + iy) * w;
        for (let ix = 0; ix < w; ix++) dx[to + ix] += img[from + ix];
      }
    }
  }
}
