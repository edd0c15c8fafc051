/*
 * Seeded synthetic inputs. Throughput does not depend on pixel values, so benchmarks use random
 * Fashion-MNIST-shaped batches (pixels in [0, 1], 10 classes) instead of parsing the 149 MB dataset.
 * Values come from @bnkit/core's mulberry32, so the same seed gives the same batch everywhere.
 */
import { mulberry32, uniform } from '@bnkit/data';

export interface ImageBatch {
  /** NCHW [batch, 1, 28, 28], pixels in [0, 1]; the same memory is NHWC [batch, 28, 28, 1]. */
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly batch: number;
}

export const IMAGE_SIDE = 28;
export const CLASSES = 10;

export function syntheticImageBatch(batch: number, seed: number): ImageBatch {
  const random = mulberry32(seed);
  const x = uniform(random, batch * IMAGE_SIDE * IMAGE_SIDE, 0, 1);
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = Math.floor(random() * CLASSES);
  return { x, labels, batch };
}
