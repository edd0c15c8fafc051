import { describeValue } from './describe-value.js';
import { InvalidArgumentError } from './errors.js';

/*
 * bnkit's one source of seeded randomness: weight initialisation (@bnkit/nn), epoch shuffles, synthetic
 * benchmark batches, the conformance suite's inputs and the backends' test data all draw from mulberry32
 * here, never from Math.random, so a seed means the same numbers on every engine and in every package. It
 * lives in @bnkit/core, the one package every other depends on (the conformance suite must not need
 * @bnkit/data and its dataset to judge a backend).
 */

/** A uniform random source on [0, 1). */
export type Rng = () => number;

/**
 * Throws unless `seed` is an integer that fits 32 bits (signed or unsigned); returns it as uint32. A wider
 * seed is refused rather than cut to 32 bits, where it would silently give another seed's stream.
 */
export function seedToUint32(seed: number, what = 'seed'): number {
  if (!Number.isInteger(seed) || seed < -0x80000000 || seed > 0xffffffff) {
    throw new InvalidArgumentError(`${what} must be an integer in [-2^31, 2^32), got ${describeValue(seed)}`);
  }
  return seed >>> 0;
}

/**
 * mulberry32: a 32-bit state generator, tiny and fast, with a full 2^32 period; its outputs match the
 * reference C implementation. Good enough for weight initialisation and shuffling.
 */
export function mulberry32(seed: number): Rng {
  let state = seedToUint32(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An independent seed for stream `stream` of a run seeded with `seed` (splitmix32-style mixing), so that
 * e.g. epoch e's shuffle depends on (seed, e) only and a resumed run reproduces it without replaying the
 * earlier epochs.
 */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seedToUint32(seed) ^ Math.imul(seedToUint32(stream, 'stream') + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Uint32Array {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`count must be a non-negative integer, got ${n}`);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** n float32 values uniform in [lo, hi) from `rng`. */
export function uniform(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

/** A permutation of 0..count-1 determined by `seed`: `permutation(count, mulberry32(seed))`. */
export function shuffledIndices(count: number, seed: number): Uint32Array {
  return permutation(count, mulberry32(seed));
}
