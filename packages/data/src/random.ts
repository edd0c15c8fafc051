import { DataArgumentError } from './errors.js';

/** A deterministic pseudo-random number generator: the same seed gives the same sequence everywhere. */
export interface Rng {
  /** Next value, uniform in [0, 1). */
  next(): number;
  /** Next value, an integer uniform in [0, n) (n ≤ 2^32). */
  nextInt(n: number): number;
}

/** Accepts any safe integer as a seed (negative and large ones included); the state is its low 32 bits. */
export function normalizeSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new DataArgumentError(`seed must be a safe integer, got ${seed}`);
  return seed >>> 0;
}

/**
 * mulberry32: a 32-bit state generator with full period 2^32, good statistical quality for shuffling and
 * weight init, and trivially reproducible in any language (no Math.random anywhere in bnkit).
 */
export function createRng(seed: number): Rng {
  let state = normalizeSeed(seed);
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    next: () => nextUint32() / 0x100000000,
    // Multiply-shift instead of modulo: the bias is below n / 2^32, invisible for data-set sizes.
    nextInt: (n: number) => Math.floor((nextUint32() / 0x100000000) * n),
  };
}

/** A permutation of 0..count-1 (Fisher–Yates), determined by the seed. */
export function shuffledIndices(count: number, seed: number): Uint32Array {
  if (!Number.isInteger(count) || count < 0) throw new DataArgumentError(`count must be a non-negative integer, got ${count}`);
  const rng = createRng(seed);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
