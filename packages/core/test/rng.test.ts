import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, deriveSeed, mulberry32, permutation, seedToUint32, shuffledIndices, uniform } from '@bnkit/core';

describe('mulberry32', () => {
  it('reproduces the reference sequence (C implementation, first outputs)', () => {
    const expected: Record<number, number[]> = {
      0: [1144304738, 1416247, 958946056, 627933444],
      42: [2581720956, 1925393290, 3661312704, 2876485805],
      4294967295: [3850105811, 813802916, 3073704848, 4054706436],
    };
    for (const [seed, values] of Object.entries(expected)) {
      const rng = mulberry32(Number(seed));
      expect(values.map(() => rng() * 2 ** 32)).toEqual(values);
    }
    // A negative seed is its 32-bit two's complement: -1 is 2^32 - 1.
    expect(mulberry32(-1)()).toBe(mulberry32(4294967295)());
  });

  it('repeats per seed, differs across seeds, stays in [0, 1)', () => {
    const xs = Array.from({ length: 5 }, mulberry32(42));
    expect(Array.from({ length: 5 }, mulberry32(42))).toEqual(xs);
    expect(Array.from({ length: 5 }, mulberry32(43))).not.toEqual(xs);
    for (const v of xs) expect(v >= 0 && v < 1).toBe(true);
  });

  it('rejects a seed that is not a 32-bit integer, rather than alias another seed', () => {
    for (const seed of [1.5, Number.NaN, 2 ** 32, 2 ** 40, -(2 ** 31) - 1]) {
      expect(() => mulberry32(seed)).toThrow(InvalidArgumentError);
    }
    expect(() => seedToUint32(2 ** 40, 'fit seed')).toThrow(/^fit seed must be an integer in \[-2\^31, 2\^32\), got 1099511627776$/);
    expect(seedToUint32(-(2 ** 31))).toBe(2 ** 31);
  });
});

describe('permutation and shuffledIndices', () => {
  it('is a permutation, fixed by the seed', () => {
    const a = shuffledIndices(1000, 3);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shuffledIndices(1000, 3)).toEqual(a);
    expect(shuffledIndices(1000, 4)).not.toEqual(a);
    expect(permutation(1000, mulberry32(3))).toEqual(a);
    expect(Array.from(shuffledIndices(0, 1))).toEqual([]);
    expect(() => shuffledIndices(-1, 1)).toThrow(InvalidArgumentError);
  });

  it('Fisher–Yates: element i swaps with floor(u·(i + 1)) for the stream u, from the top down', () => {
    const u = [0.9, 0.1, 0.5];
    let k = 0;
    // n = 4: i = 3 swaps with 3, i = 2 with 0, i = 1 with 1.
    expect(Array.from(permutation(4, () => u[k++]))).toEqual([2, 1, 0, 3]);
  });

  it('per-stream seeds differ across streams and repeat per (seed, stream)', () => {
    expect(deriveSeed(7, 1)).toBe(deriveSeed(7, 1));
    expect(deriveSeed(7, 1)).not.toBe(deriveSeed(7, 2));
    expect(deriveSeed(7, 1)).not.toBe(deriveSeed(8, 1));
    expect(permutation(1000, mulberry32(deriveSeed(7, 1)))).not.toEqual(permutation(1000, mulberry32(deriveSeed(7, 2))));
  });
});

describe('uniform', () => {
  it('maps the stream onto [lo, hi) as float32', () => {
    const u = [0, 0.25, 0.5];
    let k = 0;
    expect(Array.from(uniform(() => u[k++], 3, -2, 2))).toEqual([-2, -1, 0]);
    expect(uniform(mulberry32(5), 4, 0, 1)).toEqual(Float32Array.from(Array.from({ length: 4 }, mulberry32(5))));
  });
});
