import { DataArgumentError } from './errors.js';
import { shuffledIndices } from './random.js';
import { gatherRows } from './select.js';
import { PIXELS, type LabeledImages } from './types.js';

export interface BatchOptions {
  /** Samples per batch; the last batch holds the remainder (as PyTorch's DataLoader without drop_last). */
  readonly batchSize: number;
  /** Seed of the shuffle; default 0. Use a different seed per epoch for a fresh order each epoch. */
  readonly seed?: number;
  /** Visit the samples in a seeded random order (default true) or in their stored order. */
  readonly shuffle?: boolean;
}

export interface Batch {
  /** `size * 1 * 28 * 28` pixel values (NCHW). */
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
}

/** Yields every sample exactly once, in batches; the order depends only on `seed` and `shuffle`. */
export function* batches(data: LabeledImages, options: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize, seed = 0, shuffle = true } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new DataArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const order = shuffle ? shuffledIndices(data.count, seed) : null;
  const rowLength = data.count > 0 ? data.images.length / data.count : PIXELS;
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    const indices = order ? order.subarray(start, start + size) : Uint32Array.from({ length: size }, (_, k) => start + k);
    yield {
      x: gatherRows(data.images, rowLength, indices, new Float32Array(size * rowLength)),
      labels: gatherRows(data.labels, 1, indices, new Int32Array(size)),
      size,
    };
  }
}
