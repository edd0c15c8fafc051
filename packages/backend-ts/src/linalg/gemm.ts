/*
 * Single-precision matrix multiply for the conv2d and linear kernels: C = A·B (+ C) (+ bias).
 *
 * BLIS-style: both operands are first packed into panels, A into MR-row panels laid out [k][MR] and B into
 * NR-column panels laid out [k][NR], so the microkernel reads both with unit stride whatever the original
 * layout (transposed or not). The microkernel keeps an MR×NR tile of C in local variables; V8 keeps most of
 * them in registers; the panels are float64 (see scratch64), so the loop loads doubles with no conversion.
 * 3×4 measured fastest here (4×4 and 2×6 spill more; 2×4 under-uses the registers). Accumulation is in
 * float64 (JS numbers) and rounded to float32 once, on store.
 *
 * The loops below write the tile sizes as literals, not MR / NR: an exported module constant is a binding V8
 * reads (with a temporal-dead-zone check) on every iteration, and the literals measured +25 % on LeNet-BN's
 * GEMM shapes (4.0 → 5.0 GFLOP per CPU-second on a 2-vCPU AMD EPYC, Node 20; 2.5–3.2 on a 2-vCPU Intel Xeon,
 * where no other tile shape or k unrolling did better). That is this loop's ceiling in plain JavaScript:
 * V8 still re-checks both panels' maps and bounds on every k step.
 */

/** Tile rows and columns. The microkernel and the packing loops below are written out for exactly these. */
export const MR = 3;
export const NR = 4;

/** A strided 2-D view: element (i, j) lives at data[offset + i·rowStride + j·colStride]. */
export interface Strided {
  readonly data: Float32Array;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/** Where the product goes, and what is added to it. */
export interface GemmTarget extends Strided {
  /** Add the product to C's current contents instead of overwriting them. */
  readonly accumulate: boolean;
  /** Added to every element of row i (length >= rows). */
  readonly rowBias?: Float32Array;
  /** Added to every element of column j (length >= cols). */
  readonly colBias?: Float32Array;
}

export function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** Elements needed to pack an m×k left operand. */
export function packedASize(m: number, k: number): number {
  return roundUp(m, MR) * k;
}

/** Elements needed to pack a k×n right operand. */
export function packedBSize(k: number, n: number): number {
  return roundUp(n, NR) * k;
}

/** Packs the m×k matrix `a` into MR-row panels [⌈m/MR⌉][k][MR]; rows past m are zero. */
export function packA(a: Strided, m: number, k: number, dst: Float64Array): void {
  const { data, offset, rowStride, colStride } = a;
  let d = 0;
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = Math.min(MR, m - i0);
    let base = offset + i0 * rowStride;
    if (rows === 3) {
      // Full panel, unrolled: this runs once per image on the conv2d gradients.
      for (let p = 0; p < k; p++, d += 3, base += colStride) {
        dst[d] = data[base];
        dst[d + 1] = data[base + rowStride];
        dst[d + 2] = data[base + 2 * rowStride];
      }
      continue;
    }
    for (let p = 0; p < k; p++, base += colStride) {
      for (let r = 0; r < MR; r++) dst[d++] = r < rows ? data[base + r * rowStride] : 0;
    }
  }
}

/** Packs the k×n matrix `b` into NR-column panels [⌈n/NR⌉][k][NR]; columns past n are zero. */
export function packB(b: Strided, k: number, n: number, dst: Float64Array): void {
  const { data, offset, rowStride, colStride } = b;
  let d = 0;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const cols = Math.min(NR, n - j0);
    let base = offset + j0 * colStride;
    if (cols === 4) {
      // Full panel, unrolled.
      for (let p = 0; p < k; p++, d += 4, base += rowStride) {
        dst[d] = data[base];
        dst[d + 1] = data[base + colStride];
        dst[d + 2] = data[base + 2 * colStride];
        dst[d + 3] = data[base + 3 * colStride];
      }
      continue;
    }
    for (let p = 0; p < k; p++, base += rowStride) {
      for (let c = 0; c < NR; c++) dst[d++] = c < cols ? data[base + c * colStride] : 0;
    }
  }
}

/** One MR×NR tile for the edges of C, where only part of the tile is inside the matrix. */
const edgeTile = new Float64Array(MR * NR);

/**
 * C (m×n) = Ap (packed m×k) · Bp (packed k×n), written to `c` per its accumulate and bias settings.
 * Call with the panels of packA / packB (or anything laid out the same way, e.g. im2col's output).
 */
export function gemmPacked(ap: Float64Array, bp: Float64Array, m: number, n: number, k: number, c: GemmTarget): void {
  const out = c.data;
  const rs = c.rowStride;
  const cs = c.colStride;
  const accumulate = c.accumulate;
  const rowBias = c.rowBias;
  const colBias = c.colBias;
  for (let i0 = 0, pa = 0; i0 < m; i0 += 3, pa += 3 * k) {
    const rows = Math.min(3, m - i0);
    // Per-row bias of this panel (zero when absent or past the last row).
    const r0 = rowBias ? rowBias[i0] : 0;
    const r1 = rowBias && rows > 1 ? rowBias[i0 + 1] : 0;
    const r2 = rowBias && rows > 2 ? rowBias[i0 + 2] : 0;
    for (let j0 = 0, pb = 0; j0 < n; j0 += 4, pb += 4 * k) {
      const cols = Math.min(4, n - j0);
      const q0 = colBias ? colBias[j0] : 0;
      const q1 = colBias && cols > 1 ? colBias[j0 + 1] : 0;
      const q2 = colBias && cols > 2 ? colBias[j0 + 2] : 0;
      const q3 = colBias && cols > 3 ? colBias[j0 + 3] : 0;
      let c00 = r0 + q0, c01 = r0 + q1, c02 = r0 + q2, c03 = r0 + q3;
      let c10 = r1 + q0, c11 = r1 + q1, c12 = r1 + q2, c13 = r1 + q3;
      let c20 = r2 + q0, c21 = r2 + q1, c22 = r2 + q2, c23 = r2 + q3;
      for (let ia = pa, ib = pb, end = pa + 3 * k; ia < end; ia += 3, ib += 4) {
        const a0 = ap[ia], a1 = ap[ia + 1], a2 = ap[ia + 2];
        const b0 = bp[ib], b1 = bp[ib + 1], b2 = bp[ib + 2], b3 = bp[ib + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
      }
      const o = c.offset + i0 * rs + j0 * cs;
      if (rows === 3 && cols === 4) {
        const o1 = o + rs, o2 = o + 2 * rs;
        if (accumulate) {
          out[o] += c00; out[o + cs] += c01; out[o + 2 * cs] += c02; out[o + 3 * cs] += c03;
          out[o1] += c10; out[o1 + cs] += c11; out[o1 + 2 * cs] += c12; out[o1 + 3 * cs] += c13;
          out[o2] += c20; out[o2 + cs] += c21; out[o2 + 2 * cs] += c22; out[o2 + 3 * cs] += c23;
        } else {
          out[o] = c00; out[o + cs] = c01; out[o + 2 * cs] = c02; out[o + 3 * cs] = c03;
          out[o1] = c10; out[o1 + cs] = c11; out[o1 + 2 * cs] = c12; out[o1 + 3 * cs] = c13;
          out[o2] = c20; out[o2 + cs] = c21; out[o2 + 2 * cs] = c22; out[o2 + 3 * cs] = c23;
        }
      } else {
        const t = edgeTile;
        t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
        t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
        t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
        for (let r = 0; r < rows; r++) {
          for (let q = 0; q < cols; q++) {
            const idx = o + r * rs + q * cs;
            out[idx] = accumulate ? out[idx] + t[r * 4 + q] : t[r * 4 + q];
          }
        }
      }
    }
  }
}
