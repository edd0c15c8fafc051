import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '@bnkit/core';
import { lenetBN, trainBatch, SGD } from '../dist/node.js';
import { newBackend, syntheticImages } from './helpers.js';

/** The backend with every method call recorded by name, in order (the model sees only this view). */
function recording(backend: Backend): { view: Backend; calls: string[] } {
  const calls: string[] = [];
  const view = new Proxy(backend, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { view, calls };
}

describe('trainBatch', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await newBackend();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('reads from the device once per step, after the optimizer update is queued', async () => {
    const { view, calls } = recording(backend);
    const data = syntheticImages(16, 3);
    const model = lenetBN(view, { seed: 4 });
    const x = backend.upload(data.images, [16, 1, 28, 28]);
    const labels = backend.upload(Int32Array.from(data.labels), [16], 'int32');
    calls.length = 0;
    const result = await trainBatch(model, x, labels, new SGD(view, { lr: 0.1 }));
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.predictions).toHaveLength(16);
    const reads = calls.flatMap((name, i) => (name === 'read' ? [i] : []));
    const lastUpdate = calls.lastIndexOf('sgd');
    expect(lastUpdate).toBeGreaterThan(0);
    // Both reads (loss and predictions) come after every kernel of the step, with nothing queued between them.
    expect(reads).toHaveLength(2);
    expect(reads[1] - reads[0]).toBe(1);
    expect(calls.slice(reads[1] + 1).every((name) => name === 'dispose')).toBe(true);
    expect(reads[0]).toBeGreaterThan(lastUpdate);
    model.dispose();
    backend.dispose(x);
    backend.dispose(labels);
  });
});
