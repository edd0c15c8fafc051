import { describe, expect, it } from 'vitest';
import { DataArgumentError, IMAGE_SHAPE, batches, createRng, shuffledIndices, type LabeledImages } from '@bnkit/data';

/** n samples; every pixel of sample i equals i, label i mod 10, so a batch reveals which samples it holds. */
function numbered(n: number): LabeledImages {
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) images.fill(i, i * 784, (i + 1) * 784);
  return { images, labels: Int32Array.from({ length: n }, (_, i) => i % 10), count: n, shape: IMAGE_SHAPE };
}
const idsOf = (x: Float32Array, size: number): number[] => Array.from({ length: size }, (_, k) => x[k * 784]);

describe('createRng', () => {
  it('reproduces the reference mulberry32 sequence (C implementation, first outputs)', () => {
    const expected: Record<number, number[]> = {
      0: [1144304738, 1416247, 958946056, 627933444],
      42: [2581720956, 1925393290, 3661312704, 2876485805],
      4294967295: [3850105811, 813802916, 3073704848, 4054706436],
    };
    for (const [seed, values] of Object.entries(expected)) {
      const rng = createRng(Number(seed));
      expect(values.map(() => rng.next() * 2 ** 32)).toEqual(values);
    }
    // Seeds are taken modulo 2^32, so -1 is 2^32 - 1.
    expect(createRng(-1).next()).toBe(createRng(4294967295).next());
  });

  it('rejects a seed that is not a safe integer', () => {
    expect(() => createRng(1.5)).toThrow(DataArgumentError);
    expect(() => createRng(Number.NaN)).toThrow(/safe integer/);
  });

  it('nextInt stays in range and hits every value', () => {
    const rng = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = rng.nextInt(6);
      expect(Number.isInteger(v) && v >= 0 && v < 6).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(6);
  });
});

describe('shuffledIndices', () => {
  it('is a permutation, fixed by the seed', () => {
    const a = shuffledIndices(1000, 3);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shuffledIndices(1000, 3)).toEqual(a);
    expect(shuffledIndices(1000, 4)).not.toEqual(a);
    expect(Array.from(shuffledIndices(0, 1))).toEqual([]);
  });
});

describe('batches', () => {
  const data = numbered(103);

  it('yields every sample once, full batches then the remainder', () => {
    const all = [...batches(data, { batchSize: 25, seed: 1 })];
    expect(all.map((b) => b.size)).toEqual([25, 25, 25, 25, 3]);
    const ids = all.flatMap((b) => idsOf(b.x, b.size));
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    for (const b of all) {
      expect(b.x.length).toBe(b.size * 784);
      expect(Array.from(b.labels)).toEqual(idsOf(b.x, b.size).map((i) => i % 10));
    }
  });

  it('is deterministic for a seed, different across seeds, and follows shuffledIndices', () => {
    const order = (seed: number): number[] => [...batches(data, { batchSize: 16, seed })].flatMap((b) => idsOf(b.x, b.size));
    expect(order(5)).toEqual(order(5));
    expect(order(5)).not.toEqual(order(6));
    expect(order(5)).toEqual(Array.from(shuffledIndices(103, 5)));
  });

  it('keeps the stored order without shuffling', () => {
    const ids = [...batches(data, { batchSize: 50, shuffle: false })].flatMap((b) => idsOf(b.x, b.size));
    expect(ids).toEqual(Array.from({ length: 103 }, (_, i) => i));
  });

  it.each([0, -1, 2.5, Number.NaN])('rejects batchSize %s', (batchSize) => {
    expect(() => batches(data, { batchSize }).next()).toThrow(DataArgumentError);
  });
});
