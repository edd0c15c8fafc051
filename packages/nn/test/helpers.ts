import { expect } from 'vitest';
import createBackend from '@bnkit/backend-ts';
import type { Backend } from '@bnkit/core';
import { mulberry32 } from '@bnkit/core';
import type { LabeledImages, StateRecord } from '../dist/node.js';

export const newBackend = (): Promise<Backend> => createBackend({ threads: 1 });

export interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
}

/**
 * A small synthetic 10-class image set: class k lights a k-dependent band of a 1×28×28 image, plus
 * seeded noise, so a LeNet learns it within an epoch or two.
 */
export function syntheticImages(count: number, seed: number): LabeledImages {
  const next = mulberry32(seed);
  const per = 28 * 28;
  const images = new Float32Array(count * per);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const k = n % 10;
    labels[n] = k;
    for (let i = 0; i < per; i++) {
      const row = Math.floor(i / 28);
      const band = row >= k * 2 + 4 && row < k * 2 + 8 ? 0.7 : 0;
      images[n * per + i] = Math.min(1, band + 0.3 * next());
    }
  }
  return { images, labels, count, shape: [1, 28, 28] };
}

/** Byte-for-byte equality of two model states (toEqual would accept -0 for 0). */
export function expectBitIdentical(actual: StateRecord, expected: StateRecord): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const k of Object.keys(expected)) {
    expect(Buffer.from(actual[k].buffer).equals(Buffer.from(expected[k].buffer)), k).toBe(true);
  }
}
