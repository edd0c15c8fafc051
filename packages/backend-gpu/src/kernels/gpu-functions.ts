/*
 * Helpers compiled into gpu.js kernels (plain JavaScript that gpu.js translates to WGSL, wasm or JS).
 *
 * gpu.js lowers `/` to f32 division, which WGSL allows to be off by 2.5 ULP. Every index here is an integer
 * below 2^24 (the backend refuses larger tensors), so a quotient's ULP is at most 1 and `Math.floor(a / b)`
 * can land up to 3 below or 2 above the exact floor (one off is only guaranteed below 2^22). divFloor
 * corrects the estimate one step at a time, three times, with comparisons that are exact: q·b and (q+1)·b
 * are exact f32 integers while they are at most 2^24, and beyond that they round to at least 2^24 > a, so
 * the comparison with a still comes out right.
 */
export function divFloor(a: number, b: number): number {
  let q = Math.floor(a / b);
  for (let step = 0; step < 3; step++) {
    if (q * b > a) {
      q = q - 1;
    }
    if ((q + 1) * b <= a) {
      q = q + 1;
    }
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
