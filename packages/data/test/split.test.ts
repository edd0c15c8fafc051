import { describe, expect, it } from 'vitest';
import { loadFashionMnist, takePerClass, type LabeledImages } from '@bnkit/data';

const perClass = (data: LabeledImages): number[] => {
  const counts = new Array<number>(10).fill(0);
  for (const l of data.labels) counts[l]++;
  return counts;
};

// The real embedded data set (builds the cache under .cache/bnkit on the first run, ~2 s).
describe('embedded Fashion-MNIST split (docs/lenet-bn.md)', async () => {
  const { train, test } = await loadFashionMnist();

  it('holds 60,000 training and 10,002 test images', () => {
    expect(train.count).toBe(60000);
    expect(test.count).toBe(10002);
    expect(train.images.length).toBe(60000 * 784);
    expect(test.images.length).toBe(10002 * 784);
    expect(train.labels.length).toBe(60000);
  });

  it('takes the first 6,000 of each class for training and the rest for test', () => {
    expect(perClass(train)).toEqual(new Array(10).fill(6000));
    expect(perClass(test)).toEqual([1002, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
  });

  it('keeps pixels in [0, 1] as multiples of 1/255, with the known mean of the data set', () => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    // One loop over the 47 M pixels (an array reduce over them takes seconds on a shared machine).
    for (const v of train.images) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    for (const k of [0, 1000, 123456, 47000000]) expect(Math.fround(Math.round(train.images[k] * 255) / 255)).toBe(train.images[k]);
    // Fashion-MNIST's mean pixel is about 0.286.
    expect(sum / train.images.length).toBeCloseTo(0.286, 2);
  });

  it('takePerClass keeps the first n of every class in their original order', () => {
    const subset = takePerClass(train, 20);
    expect(subset.count).toBe(200);
    expect(perClass(subset)).toEqual(new Array(10).fill(20));
    // Classes are stored one after the other, so the subset is train's samples 0..19, 6000..6019, ...
    for (const [k, from] of [[0, 0], [19, 19], [20, 6000], [199, 54019]]) {
      expect(subset.labels[k]).toBe(train.labels[from]);
      expect(subset.images.subarray(k * 784, (k + 1) * 784)).toEqual(train.images.subarray(from * 784, (from + 1) * 784));
    }
    expect(takePerClass(test, 1001).count).toBe(10001);
  });
});
