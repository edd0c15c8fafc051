import { DataArgumentError } from './errors.js';
import { IMAGE_SHAPE, PIXELS, type LabeledImages, type RawImages } from './types.js';

/** docs/lenet-bn.md: within each class the first 6,000 images are training, the rest (1,000 or 1,002) test. */
export const TRAIN_PER_CLASS = 6000;

/** For each sample, how many samples of the same class come before it. */
export function rankWithinClass(labels: ArrayLike<number>): Int32Array {
  const seen = new Map<number, number>();
  const rank = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const r = seen.get(labels[i]) ?? 0;
    rank[i] = r;
    seen.set(labels[i], r + 1);
  }
  return rank;
}

/** Indices (ascending) of the samples whose within-class rank passes `keep`. */
export function indicesWhere(rank: Int32Array, keep: (rank: number) => boolean): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < rank.length; i++) if (keep(rank[i])) out.push(i);
  return Uint32Array.from(out);
}

/** Copies the rows `indices` of a row-major array with `rowLength` values per row. */
export function gatherRows<T extends Uint8Array | Float32Array | Int32Array>(src: T, rowLength: number, indices: ArrayLike<number>, into: T): T {
  for (let k = 0; k < indices.length; k++) {
    const from = indices[k] * rowLength;
    into.set(src.subarray(from, from + rowLength), k * rowLength);
  }
  return into;
}

export function gatherRaw(raw: RawImages, indices: Uint32Array): RawImages {
  return {
    pixels: gatherRows(raw.pixels, PIXELS, indices, new Uint8Array(indices.length * PIXELS)),
    labels: gatherRows(raw.labels, 1, indices, new Uint8Array(indices.length)),
    count: indices.length,
  };
}

export function gatherLabeled(data: LabeledImages, indices: ArrayLike<number>): LabeledImages {
  return {
    images: gatherRows(data.images, PIXELS, indices, new Float32Array(indices.length * PIXELS)),
    labels: gatherRows(data.labels, 1, indices, new Int32Array(indices.length)),
    count: indices.length,
    shape: IMAGE_SHAPE,
  };
}

/** docs/lenet-bn.md: within each class the first `trainPerClass` samples are training, the rest test. */
export function splitPerClass(raw: RawImages, trainPerClass: number): { train: RawImages; test: RawImages } {
  const rank = rankWithinClass(raw.labels);
  return {
    train: gatherRaw(raw, indicesWhere(rank, (r) => r < trainPerClass)),
    test: gatherRaw(raw, indicesWhere(rank, (r) => r >= trainPerClass)),
  };
}

/** The first `perClass` samples of each class, in their original order (a class with fewer keeps all). */
export function takePerClass(data: LabeledImages, perClass: number): LabeledImages {
  if (!Number.isInteger(perClass) || perClass < 0) {
    throw new DataArgumentError(`perClass must be a non-negative integer, got ${perClass}`);
  }
  return gatherLabeled(data, indicesWhere(rankWithinClass(data.labels), (r) => r < perClass));
}
