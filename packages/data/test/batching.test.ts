import { describe, expect, it } from 'vitest';
import { DataArgumentError, IMAGE_SHAPE, batches, epochGeometry, shuffledIndices, type LabeledImages } from '@bnkit/data';

/** n samples; every pixel of sample i equals i, label i mod 10, so a batch reveals which samples it holds. */
function numbered(n: number): LabeledImages {
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) images.fill(i, i * 784, (i + 1) * 784);
  return { images, labels: Int32Array.from({ length: n }, (_, i) => i % 10), count: n, shape: IMAGE_SHAPE };
}
const idsOf = (x: Float32Array, size: number): number[] => Array.from({ length: size }, (_, k) => x[k * 784]);

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

  it('leaves out a remainder of one sample, so no batch of one reaches training-mode BatchNorm', () => {
    const all = [...batches(numbered(101), { batchSize: 25, seed: 1 })];
    expect(all.map((b) => b.size)).toEqual([25, 25, 25, 25]);
    const ids = all.flatMap((b) => idsOf(b.x, b.size));
    // The sample left out is the last of this epoch's shuffled order; another seed leaves out another.
    expect(ids).toEqual(Array.from(shuffledIndices(101, 1)).slice(0, 100));
    expect([...batches(numbered(3), { batchSize: 2, shuffle: false })].map((b) => b.size)).toEqual([2]);
    expect([...batches(numbered(1), { batchSize: 2 })]).toEqual([]);
  });

  it('is the rule epochGeometry states, which @bnkit/nn\'s fit follows', () => {
    for (const [count, batchSize] of [[103, 25], [101, 25], [100, 25], [1, 2], [0, 4], [257, 256], [256, 256]]) {
      const sizes = [...batches(numbered(count), { batchSize, seed: 3 })].map((b) => b.size);
      const sum = sizes.reduce((a, b) => a + b, 0);
      expect({ batches: sizes.length, examples: sum }).toEqual(epochGeometry(count, batchSize));
      expect(sizes.every((size) => size >= 2)).toBe(true);
    }
  });

  it.each([0, 1, -1, 2.5, Number.NaN])('rejects batchSize %s', (batchSize) => {
    expect(() => batches(data, { batchSize }).next()).toThrow(DataArgumentError);
    expect(() => epochGeometry(10, batchSize)).toThrow(/batchSize must be an integer >= 2/);
  });
});
