import type { Conv2dBackwardAttrs, Conv2dBackwardInputs, TrainingKernels } from '@bnkit/core';
import { f32, tensor } from '../../tensor.js';
import { gemmPacked, packA, packB, packedASize, packedBSize } from '../../linalg/gemm.js';
import { col2im, im2colRows, patchTables, type ConvShape, type PatchTables } from '../../linalg/im2col.js';
import { scratch, scratch64 } from '../../storage/scratch.js';
import { sharedFloat32, sumSlots } from '../../storage/shared.js';
import type { Threads } from '../../threads/pool.js';
import { conv2dFlops, convShape } from './conv2d-shape.js';

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
  const sums = imageGradients(t, start, end);
  t.partials.set(sums, slot * sums.length);
}

/*
 * The per-image steps are small functions of their own, and the image loop holds nothing else: V8 compiles a
 * long loop on-stack and reuses that code on later calls, and code after or beside the loop that had not run
 * yet (the input-gradient steps, absent for conv1) deoptimized it on every call, leaving images to the
 * interpreter (measured: a sixth of the step's garbage came from it).
 */

/** The chunk's weight and bias gradient sums in float64 ([cout·kc] then [cout]); writes dx of its images. */
function imageGradients(t: Conv2dBackwardTask, start: number, end: number): Float64Array {
  const { g, dy, dx } = t;
  const kc = g.cin * g.kh * g.kw;
  const p = g.oh * g.ow;
  const inSize = g.cin * g.h * g.w;
  const sums = new Float64Array(g.cout * kc + g.cout);
  const tables = patchTables(g);
  const patchesT = scratch64('conv2d.patchesT', packedBSize(p, kc));
  const dyRows = scratch64('conv2d.dyRows', packedASize(g.cout, p));
  const dw = scratch('conv2d.dweight', g.cout * kc);
  const wT = dx ? scratch64('conv2d.weightT', packedASize(kc, g.cout)) : null;
  if (wT) packA({ data: t.weight, offset: 0, rowStride: 1, colStride: kc }, kc, g.cout, wT);
  for (let b = start; b < end; b++) {
    const dyOff = b * g.cout * p;
    packA({ data: dy, offset: dyOff, rowStride: p, colStride: 1 }, g.cout, p, dyRows);
    im2colRows(t.x, b * inSize, g, tables, patchesT);
    gemmPacked(dyRows, patchesT, g.cout, kc, p, { data: dw, offset: 0, rowStride: kc, colStride: 1, accumulate: false });
    addImageSums(sums, dw, dy, dyOff, g.cout, kc, p);
    if (dx && wT) inputGradient(wT, dy, dyOff, g, tables, dx, b * inSize);
  }
  return sums;
}

/**
 * sums[0, cout·kc) += dw; sums[cout·kc + o] += Σ_q dy[o, q] of one image, with four accumulators (one chain
 * of dependent adds over conv1's 576 positions cost a twentieth of its backward pass). The unrolled loop
 * leaves 1 to 4 values to the tail, so the tail runs on every call (see batchnorm/channel-loops.ts for why).
 */
function addImageSums(sums: Float64Array, dw: Float32Array, dy: Float32Array, dyOff: number, cout: number, kc: number, p: number): void {
  for (let i = 0; i < cout * kc; i++) sums[i] += dw[i];
  for (let o = 0; o < cout; o++) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let i = dyOff + o * p;
    const e = i + p;
    for (; i + 4 < e; i += 4) {
      s0 += dy[i];
      s1 += dy[i + 1];
      s2 += dy[i + 2];
      s3 += dy[i + 3];
    }
    for (; i < e; i++) s0 += dy[i];
    sums[cout * kc + o] += s0 + s1 + (s2 + s3);
  }
}

/** dx of one image: col2im(Wᵀ · dy), with Wᵀ packed once per chunk. */
function inputGradient(wT: Float64Array, dy: Float32Array, dyOff: number, g: ConvShape, tables: PatchTables, dx: Float32Array, dxOff: number): void {
  const kc = g.cin * g.kh * g.kw;
  const p = g.oh * g.ow;
  const dyCols = scratch64('conv2d.dyCols', packedBSize(g.cout, p));
  const dcol = scratch('conv2d.dcol', kc * p);
  packB({ data: dy, offset: dyOff, rowStride: p, colStride: 1 }, g.cout, p, dyCols);
  gemmPacked(wT, dyCols, kc, p, g.cout, { data: dcol, offset: 0, rowStride: p, colStride: 1, accumulate: false });
  col2im(dcol, g, tables, dx, dxOff);
}

/** Tasks this kernel runs on the thread pool. */
export const conv2dBackwardTasks = { conv2dBackward: conv2dBackwardImages };

export function conv2dBackward(pool: Threads<typeof conv2dBackwardTasks>): TrainingKernels['conv2dBackward'] {
  return async (inputs: Conv2dBackwardInputs, attrs: Conv2dBackwardAttrs) => {
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
  };
}
