import { mulberry32 } from '@bnkit/nn';

/**
 * A small synthetic 10-class image task on 1×28×28 (no download needed): class k is a bright bar (rows for
 * k < 5, columns otherwise) at a class-specific position, plus uniform noise. Seeded, so runs repeat.
 */
export function syntheticBatch(batchSize: number, seed: number): { images: Float32Array; labels: Int32Array } {
  const rng = mulberry32(seed);
  const images = new Float32Array(batchSize * 28 * 28);
  const labels = new Int32Array(batchSize);
  for (let b = 0; b < batchSize; b++) {
    const k = Math.floor(rng() * 10);
    labels[b] = k;
    const at = 4 + (k % 5) * 5;
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const onBar = k < 5 ? Math.abs(r - at) <= 1 : Math.abs(c - at) <= 1;
        images[b * 784 + r * 28 + c] = (onBar ? 0.8 : 0) + 0.2 * rng();
      }
    }
  }
  return { images, labels };
}
