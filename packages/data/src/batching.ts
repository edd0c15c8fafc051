import { DataArgumentError } from './errors.js';
import { shuffledIndices } from '@bnkit/core';
import { gatherRows } from './select.js';
import { PIXELS, type LabeledImages } from './types.js';

/*
 * bnkit's one rule for cutting an epoch into training batches, used by `batches()` here and by @bnkit/nn's
 * `fit`: full batches in order, then the remainder as a last, smaller batch, except a remainder of a single
 * sample, which is left out of the epoch. Training-mode BatchNorm normalises each channel over the batch and
 * rejects a batch of one (its variance is zero, `checked()` refuses it), so such a batch must never be
 * formed; with a fresh shuffle each epoch it is a different sample that sits out each time. PyTorch's
 * DataLoader would keep it (drop_last=False) and fail in the BatchNorm layer.
 */

/** The smallest training batch: BatchNorm needs two values per channel. */
export const MIN_TRAINING_BATCH = 2;

export interface EpochGeometry {
  /** Batches per epoch. */
  readonly batches: number;
  /** Samples visited per epoch: every one, or all but one when the remainder would be a batch of one. */
  readonly examples: number;
}

/** How `count` samples cut into training batches of `batchSize` (an integer >= 2). */
export function epochGeometry(count: number, batchSize: number): EpochGeometry {
  if (!Number.isInteger(batchSize) || batchSize < MIN_TRAINING_BATCH) {
    throw new DataArgumentError(`batchSize must be an integer >= ${MIN_TRAINING_BATCH} (BatchNorm cannot train on a batch of one), got ${batchSize}`);
  }
  if (!Number.isInteger(count) || count < 0) throw new DataArgumentError(`count must be a non-negative integer, got ${count}`);
  const examples = count % batchSize === 1 ? count - 1 : count;
  return { batches: Math.ceil(examples / batchSize), examples };
}

export interface BatchOptions {
  /** Samples per batch, at least 2; see epochGeometry for the last batch. */
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

/**
 * Yields one epoch of training batches: every sample once, except that a remainder of one sample is left
 * out (epochGeometry). The order depends only on `seed` and `shuffle`.
 */
export function* batches(data: LabeledImages, options: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize, seed = 0, shuffle = true } = options;
  const { examples } = epochGeometry(data.count, batchSize);
  const order = shuffle ? shuffledIndices(data.count, seed) : null;
  const rowLength = data.count > 0 ? data.images.length / data.count : PIXELS;
  for (let start = 0; start < examples; start += batchSize) {
    const size = Math.min(batchSize, examples - start);
    const indices = order ? order.subarray(start, start + size) : Uint32Array.from({ length: size }, (_, k) => start + k);
    yield {
      x: gatherRows(data.images, rowLength, indices, new Float32Array(size * rowLength)),
      labels: gatherRows(data.labels, 1, indices, new Int32Array(size)),
      size,
    };
  }
}
