/*
 * Property inputs are drawn by fast-check as a compact spec that includes an integer data seed; the tensors
 * are then filled from @bnkit/core's seeded mulberry32, so a printed counterexample stays short and replays
 * exactly. Never Math.random().
 */

/** n float32 values uniform in [lo, hi). */
export function uniform(next: () => number, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}
