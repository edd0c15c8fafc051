import {
  conv2dGeometry, type Conv2dAttrs, type Conv2dBackwardAttrs, type Conv2dBackwardInputs, type Conv2dInputs,
  type Tensor, type TrainingKernels,
} from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import type { ThreadPool } from '../../threads/pool.js';
import { scratch, scratch64 } from '../../storage/scratch.js';
import { sharedFloat32, sharedFloat32ForOverwrite, sumSlots } from '../../storage/shared.js';
import { gemmPacked, packA, packB, packedASize, packedBSize } from '../../linalg/gemm.js';
import { col2im, im2colColumns, im2colRows, patchTables, type ConvShape } from '../../linalg/im2col.js';

/*
 * conv2d over NCHW input and OIHW weight as one GEMM per image: y[b] (cout × p) = W (cout × kc) ·
 * patches(x[b]) (kc × p), with kc = cin·kh·kw and p = oh·ow. The batch is cut into chunks of images that the
 * threads share out.
 */

export interface Conv2dForwardTask {
  readonly x: Float32Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly y: Float32Array;
  readonly g: ConvShape;
}

export function conv2dForwardImages(t: Conv2dForwardTask, start: number, end: number): void {
  const { g } = t;
  const kc = g.cin * g.kh * g.kw;
  const p = g.oh * g.ow;
  const w = scratch64('conv2d.weight', packedASize(g.cout, kc));
  packA({ data: t.weight, offset: 0, rowStride: kc, colStride: 1 }, g.cout, kc, w);
  const tables = patchTables(g);
  const patches = scratch64('conv2d.patches', packedBSize(kc, p));
  for (let b = start; b < end; b++) {
    im2colColumns(t.x, b * g.cin * g.h * g.w, g, tables, patches);
    gemmPacked(w, patches, g.cout, p, kc, {
      data: t.y, offset: b * g.cout * p, rowStride: p, colStride: 1, accumulate: false, rowBias: t.bias,
    });
  }
}

/**
 * Backward per image: dW += dy[b] (cout × p) · patches(x[b])ᵀ (p × kc), dbias += Σ_q dy[b], and
 * dx[b] = col2im(Wᵀ (kc × cout) · dy[b] (cout × p)). Weight and bias gradients are summed over the chunk's
 * images in float64 (a float32 running sum over hundreds of images loses digits), then stored in the chunk's
 * slot of `partials` ([slot][cout·kc + cout]); the caller adds the slots.
 */
export interface Conv2dBackwardTask {
  readonly x: Float32Array;
  readonly weight: Float32Array;
  readonly dy: Float32Array;
  /** Null when the input gradient was not asked for. */
  readonly dx: Float32Array | null;
  readonly partials: Float32Array;
  readonly g: ConvShape;
}

export function conv2dBackwardImages(t: Conv2dBackwardTask, start: number, end: number, slot: number): void {
  const { g, dy, dx, partials } = t;
  const kc = g.cin * g.kh * g.kw;
  const p = g.oh * g.ow;
  const inSize = g.cin * g.h * g.w;
  const slotSize = g.cout * kc + g.cout;
  const sums = new Float64Array(slotSize);
  const tables = patchTables(g);
  const patchesT = scratch64('conv2d.patchesT', packedBSize(p, kc));
  const dyRows = scratch64('conv2d.dyRows', packedASize(g.cout, p));
  const dw = scratch('conv2d.dweight', g.cout * kc);
  const wT = dx ? scratch64('conv2d.weightT', packedASize(kc, g.cout)) : null;
  const dyCols = dx ? scratch64('conv2d.dyCols', packedBSize(g.cout, p)) : null;
  const dcol = dx ? scratch('conv2d.dcol', kc * p) : null;
  if (wT) packA({ data: t.weight, offset: 0, rowStride: 1, colStride: kc }, kc, g.cout, wT);
  for (let b = start; b < end; b++) {
    const dyOff = b * g.cout * p;
    packA({ data: dy, offset: dyOff, rowStride: p, colStride: 1 }, g.cout, p, dyRows);
    im2colRows(t.x, b * inSize, g, tables, patchesT);
    gemmPacked(dyRows, patchesT, g.cout, kc, p, { data: dw, offset: 0, rowStride: kc, colStride: 1, accumulate: false });
    for (let i = 0; i < g.cout * kc; i++) sums[i] += dw[i];
    for (let o = 0; o < g.cout; o++) {
      let s = 0;
      for (let i = dyOff + o * p, e = i + p; i < e; i++) s += dy[i];
      sums[g.cout * kc + o] += s;
    }
    if (dx && wT && dyCols && dcol) {
      packB({ data: dy, offset: dyOff, rowStride: p, colStride: 1 }, g.cout, p, dyCols);
      gemmPacked(wT, dyCols, kc, p, g.cout, { data: dcol, offset: 0, rowStride: p, colStride: 1, accumulate: false });
      col2im(dcol, g, tables, dx, b * inSize);
    }
  }
  partials.set(sums, slot * slotSize);
}

/** The call's geometry; `checked` has already validated the arguments, so it is only derived here. */
function convShape(inputs: { readonly x: Tensor; readonly weight: Tensor }, attrs: Conv2dAttrs): ConvShape {
  const geometry = conv2dGeometry(inputs.x.shape, inputs.weight.shape, attrs);
  return { ...geometry, sh: attrs.stride[0], sw: attrs.stride[1], ph: attrs.padding[0], pw: attrs.padding[1] };
}

/** Multiply-adds of one pass (forward, or each of the two backward products), times two for FLOPs. */
export function conv2dFlops(g: ConvShape): number {
  return 2 * g.n * g.cout * g.oh * g.ow * g.cin * g.kh * g.kw;
}

export function conv2dKernels(pool: ThreadPool): Pick<TrainingKernels, 'conv2d' | 'conv2dBackward'> {
  return {
    async conv2d(inputs: Conv2dInputs, attrs: Conv2dAttrs) {
      const g = convShape(inputs, attrs);
      const y = sharedFloat32ForOverwrite(g.n * g.cout * g.oh * g.ow);
      const task: Conv2dForwardTask = {
        x: f32(inputs.x), weight: f32(inputs.weight), bias: f32(inputs.bias), y, g,
      };
      await pool.run('conv2dForward', task, g.n, pool.plan(g.n, conv2dFlops(g)));
      return tensor(y, [g.n, g.cout, g.oh, g.ow]);
    },

    async conv2dBackward(inputs: Conv2dBackwardInputs, attrs: Conv2dBackwardAttrs) {
      const g = convShape(inputs, attrs);
      const wantDx = attrs.inputGradient !== false;
      const kc = g.cin * g.kh * g.kw;
      const slotSize = g.cout * kc + g.cout;
      const dx = wantDx ? sharedFloat32(g.n * g.cin * g.h * g.w) : null;
      const chunks = pool.plan(g.n, conv2dFlops(g) * (wantDx ? 2 : 1));
      const task: Conv2dBackwardTask = {
        x: f32(inputs.x), weight: f32(inputs.weight), dy: f32(inputs.dy),
        dx, partials: sharedFloat32(chunks * slotSize), g,
      };
      await pool.run('conv2dBackward', task, g.n, chunks);
      const dweight = tensor(sumSlots(task.partials, slotSize, 0, g.cout * kc), [g.cout, g.cin, g.kh, g.kw]);
      const dbias = tensor(sumSlots(task.partials, slotSize, g.cout * kc, g.cout), [g.cout]);
      return dx ? { dx: tensor(dx, [g.n, g.cin, g.h, g.w]), dweight, dbias } : { dweight, dbias };
    },
  };
}
