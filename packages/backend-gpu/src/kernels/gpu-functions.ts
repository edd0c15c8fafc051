/*
 * Helpers compiled into gpu.js kernels (plain JavaScript that gpu.js translates to WGSL, wasm or JS).
 *
 * gpu.js lowers `/` to f32 division, which WGSL allows to be off by 2.5 ULP, so `Math.floor(a / b)` can land
 * one below an exact quotient on real GPUs. divFloor corrects the estimate with exact comparisons: every
 * operand is an integer below 2^24, where f32 products and sums are exact.
 */
export function divFloor(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) {
    q = q - 1;
  }
  if ((q + 1) * b <= a) {
    q = q + 1;
  }
  return q;
}

/**
 * 1 when v is NaN, else 0 (gpu.js has no isNaN). Written with an ordered comparison, which is false for NaN,
 * so it holds in WGSL, wasm and JS alike; max pooling and argmax need it to treat NaN as the largest value.
 */
export function isNan(v: number): number {
  if (v <= v) {
    return 0;
  }
  return 1;
}

export const GPU_FUNCTIONS = [divFloor, isNan];
