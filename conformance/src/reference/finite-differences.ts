/**
 * Central finite differences of a scalar function of one float64 vector: `(f(v + h) − f(v − h)) / 2h` per
 * coordinate. The step defaults to 1e-5 relative to the coordinate's size; a function that varies on a
 * shorter length (BatchNorm's output varies on the scale of the channel's standard deviation) passes its own
 * `step(i)`. With h ~1e-4 of that length, truncation (~h²) and rounding (~1e-16 / h) errors stay near 1e-8.
 */
export function centralDifferences(v: ArrayLike<number>, f: (v: Float64Array) => number, step?: (i: number) => number): Float64Array {
  const at = Float64Array.from(v);
  const grad = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) {
    const h = step ? step(i) : 1e-5 * Math.max(1, Math.abs(at[i]));
    const saved = at[i];
    at[i] = saved + h;
    const up = f(at);
    at[i] = saved - h;
    const down = f(at);
    at[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** `Σ a·b` in float64: the scalar loss whose gradient the backward kernels compute (dy·y summed). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
