import { InvalidArgumentError, ShapeError, type Backend, type Tensor } from '@bnkit/core';

/** Images with class labels, as `@bnkit/data` returns them. */
export interface LabeledImages {
  /** count·C·H·W pixels in [0, 1], NCHW order. */
  readonly images: Float32Array;
  /** One class index per image. */
  readonly labels: Int32Array | Uint8Array;
  readonly count: number;
  /** [C, H, W] of one image. */
  readonly shape: readonly [number, number, number];
}

/** Throws a typed error unless `data` is a consistent LabeledImages. */
export function validateLabeledImages(data: LabeledImages, what: string): void {
  if (!data || typeof data !== 'object') throw new InvalidArgumentError(`${what} must be a LabeledImages object`);
  const { images, labels, count, shape } = data;
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError(`${what}.count must be an integer >= 1, got ${String(count)}`);
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ShapeError(`${what}.shape must be [C, H, W] with positive integers, got ${JSON.stringify(shape)}`);
  }
  if (!(images instanceof Float32Array) || images.length !== count * shape[0] * shape[1] * shape[2]) {
    throw new ShapeError(`${what}.images must be a Float32Array of count·C·H·W = ${count * shape[0] * shape[1] * shape[2]} values`);
  }
  if (!(labels instanceof Int32Array || labels instanceof Uint8Array) || labels.length !== count) {
    throw new ShapeError(`${what}.labels must be an Int32Array or Uint8Array of ${count} values`);
  }
  for (let i = 0; i < count; i++) {
    if (labels[i] < 0) throw new InvalidArgumentError(`${what}.labels[${i}] is ${labels[i]}; class indices must be >= 0`);
  }
}

/** A batch on the device; `dispose` frees both tensors. */
export interface DeviceBatch {
  readonly x: Tensor;
  readonly labels: Tensor;
  /** Host copy of the labels, for counting correct predictions. */
  readonly hostLabels: Int32Array;
  readonly size: number;
  dispose(): void;
}

/**
 * Uploads examples `order[start..end)` (or `start..end` when `order` is null) as x [B, C, H, W] and int32
 * labels [B].
 */
export function uploadBatch(backend: Backend, data: LabeledImages, order: Uint32Array | null, start: number, end: number): DeviceBatch {
  const size = end - start;
  const per = data.shape[0] * data.shape[1] * data.shape[2];
  let images: Float32Array;
  const hostLabels = new Int32Array(size);
  if (order === null) {
    images = data.images.subarray(start * per, end * per);
    hostLabels.set(data.labels.subarray(start, end));
  } else {
    images = new Float32Array(size * per);
    for (let i = 0; i < size; i++) {
      const src = order[start + i];
      images.set(data.images.subarray(src * per, (src + 1) * per), i * per);
      hostLabels[i] = data.labels[src];
    }
  }
  const x = backend.upload(images, [size, ...data.shape]);
  const labels = backend.upload(hostLabels, [size], 'int32');
  return {
    x, labels, hostLabels, size,
    dispose: () => {
      backend.dispose(x);
      backend.dispose(labels);
    },
  };
}

/** Number of predictions equal to the labels. */
export function countCorrect(predictions: Int32Array, labels: Int32Array): number {
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) c++;
  return c;
}
