// The browser-safe entry (no Node module); under Node, package.json's "node" condition picks ./node.ts instead.
export { IMAGE_SIZE, PIXELS, NUM_CLASSES, CLASS_NAMES, IMAGE_SHAPE, toLabeledImages } from './types.js';
export type { LabeledImages, RawImages, LoadProgress, FashionMnist } from './types.js';
export { DataError, MissingDataFileError, MalformedDataFileError, DataArgumentError } from './errors.js';
export type { DataErrorCode } from './errors.js';
export { IDX_FILES, parseIdx, idxToRawImages, idxBytesToRawSets, encodeIdx, rawImagesToIdx } from './idx.js';
export type { IdxArray, IdxFileBytes } from './idx.js';
export { fetchFashionMnist, loadFashionMnist, DEFAULT_DATA_URL, type FetchOptions, type PageLoadOptions } from './fetch.js';
export { takePerClass, splitPerClass, TRAIN_PER_CLASS } from './select.js';
export { deriveSeed, mulberry32, permutation, seedToUint32, shuffledIndices, uniform, type Rng } from '@bnkit/core';
export { MIN_TRAINING_BATCH, batches, epochGeometry, type Batch, type BatchOptions, type EpochGeometry } from './batching.js';
