import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackend } from '@bnkit/loader';
import { loadFashionMnist, takePerClass } from '@bnkit/data';
import { fit as fitModel, lenetBN, loadCheckpoint, saveCheckpoint, type StateRecord } from '@bnkit/nn';

const work = mkdtempSync(join(tmpdir(), 'bnkit-predict-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sameBits = (a: StateRecord, b: StateRecord): boolean =>
  Object.keys(b).every((k) => Buffer.from(a[k].buffer, a[k].byteOffset, a[k].byteLength).equals(Buffer.from(b[k].buffer, b[k].byteOffset, b[k].byteLength)));

// predict on one image after fit and after loading a checkpoint, on the backends beyond ts (whose own test is in @bnkit/nn).
describe.each([
  ['gpu', { device: 'webgpu' }],
  ['tfjs', { device: 'wasm' }],
])('predict on %s %j', (name, options) => {
  it('works on a single image and leaves every running statistic bit-identical', async () => {
    const backend = await loadBackend(name, options, import.meta.url);
    try {
      expect(backend.device.kind).toBe(options.device); // the device asked for, not a fallback
      const { train } = await loadFashionMnist();
      const small = takePerClass(train, 10);
      const model = lenetBN(backend, { seed: 0 });
      await fitModel(model, small, { epochs: 1, lr: 1.0, batchSize: 50, seed: 0 });
      const one = backend.upload(small.images.slice(0, 784), [1, 1, 28, 28]);
      const before = await model.state();
      const logits = await model.predict(one);
      expect(logits).toHaveLength(10);
      expect(logits.every(Number.isFinite)).toBe(true);
      expect(sameBits(await model.state(), before)).toBe(true);

      const path = join(work, `${name}.ckpt`);
      await saveCheckpoint(path, model);
      const restored = lenetBN(backend, { seed: 5 });
      await loadCheckpoint(path, restored);
      const restoredBefore = await restored.state();
      expect(Array.from(await restored.predict(one))).toEqual(Array.from(logits));
      expect((await restored.predict(one, { output: 'classes' }))[0]).toBe(logits.indexOf(Math.max(...logits)));
      expect(sameBits(await restored.state(), restoredBefore)).toBe(true);
      backend.dispose(one);
      model.dispose();
      restored.dispose();
    } finally {
      await backend.close();
    }
  });
});
