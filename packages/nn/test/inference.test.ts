import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DegenerateBatchError, InvalidArgumentError, type Backend, type Tensor } from '@bnkit/core';
import { fit as fitModel, lenetBN, loadCheckpoint, saveCheckpoint, trainStep, type BatchNorm, type LabeledImages, type Sequential } from '../dist/node.js';
import { expectBitIdentical, newBackend, syntheticImages } from './helpers.js';

const train = syntheticImages(130, 3);
const PER = 28 * 28;

/** Images i..j of a data set as a device tensor [j − i, 1, 28, 28]. */
const upload = (backend: Backend, data: LabeledImages, i: number, j: number): Tensor =>
  backend.upload(data.images.slice(i * PER, j * PER), [j - i, 1, 28, 28]);

const batchesTracked = (model: Sequential): number[] => ['bn1', 'bn2', 'bn3', 'bn4'].map((n) => model.layer<BatchNorm>(n).batchesTracked);

/** Index of the first largest value of each row of 10 logits. */
function hostArgmax(logits: Float32Array): number[] {
  const out: number[] = [];
  for (let r = 0; r < logits.length / 10; r++) {
    const row = Array.from(logits.subarray(r * 10, r * 10 + 10));
    out.push(row.indexOf(Math.max(...row)));
  }
  return out;
}

describe('predict and modes', () => {
  let backend: Backend;
  let dir: string;
  let model: Sequential;
  beforeAll(async () => {
    backend = await newBackend();
    dir = mkdtempSync(join(tmpdir(), 'bnkit-predict-'));
    model = lenetBN(backend, { seed: 2 });
    await fitModel(model, train, { epochs: 1, lr: 0.5, batchSize: 64, seed: 1 });
  });
  afterAll(async () => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
    await backend.close();
  });

  it('fit leaves the model in eval mode; a new model starts in training mode', () => {
    expect(model.training).toBe(false);
    const fresh = lenetBN(backend);
    expect(fresh.training).toBe(true);
    expect(fresh.eval().training).toBe(false);
    expect(fresh.train().training).toBe(true);
    fresh.dispose();
  });

  it('predicts one image after fit, changing no running statistic, counter or mode', async () => {
    const before = await model.state();
    const tracked = batchesTracked(model);
    expect(tracked).toEqual([3, 3, 3, 3]); // 130 images in batches of 64: 64, 64 and 2
    for (const mode of ['eval', 'train'] as const) {
      model[mode]();
      const x = upload(backend, train, 7, 8);
      const logits = await model.predict(x);
      const classes = await model.predict(x, { output: 'classes' });
      backend.dispose(x);
      expect(logits).toHaveLength(10);
      expect(Array.from(classes)).toEqual(hostArgmax(logits));
      expectBitIdentical(await model.state(), before);
      expect(batchesTracked(model)).toEqual(tracked);
      expect(model.training).toBe(mode === 'train');
    }
    model.eval();
  });

  it('gives each image of a batch the logits it gets alone (eval mode does not mix examples)', async () => {
    const x = upload(backend, train, 0, 5);
    const batch = await model.predict(x);
    backend.dispose(x);
    for (let i = 0; i < 5; i++) {
      const one = upload(backend, train, i, i + 1);
      const alone = await model.predict(one);
      backend.dispose(one);
      for (let k = 0; k < 10; k++) expect(alone[k]).toBeCloseTo(batch[i * 10 + k], 5);
    }
  });

  it('after loading a checkpoint: training-mode forward on one image throws, predict works and changes nothing', async () => {
    const path = join(dir, 'm.ckpt');
    await saveCheckpoint(path, model);
    const restored = lenetBN(backend, { seed: 9 });
    await loadCheckpoint(path, restored);
    expect(restored.training).toBe(true);
    const one = upload(backend, train, 3, 4);
    // The trap predict avoids: a training-mode forward cannot learn from one example (bn3 sees one value per channel).
    await expect(restored.forward(one)).rejects.toBeInstanceOf(DegenerateBatchError);
    await loadCheckpoint(path, restored);
    const before = await restored.state();
    const logits = await restored.predict(one);
    expect(Array.from(logits)).toEqual(Array.from(await model.predict(one)));
    expectBitIdentical(await restored.state(), before);
    expect(restored.training).toBe(true);
    backend.dispose(one);
    restored.dispose();
  });

  it('leaves a pending training pass alone: backward still works after a predict', async () => {
    const m = lenetBN(backend, { seed: 4 });
    const x = upload(backend, train, 0, 8);
    const labels = backend.upload(Int32Array.from(train.labels.subarray(0, 8)), [8], 'int32');
    await m.forward(x, { training: true });
    await m.predict(x);
    await expect(m.backward(backend.upload(new Float32Array(80).fill(0.1), [8, 10]))).resolves.toBeUndefined();
    m.release();
    expect(await trainStep(m, x, labels, 0.1)).toBeGreaterThan(0);
    backend.dispose(x);
    backend.dispose(labels);
    m.dispose();
  });

  it('refuses an unknown output kind', async () => {
    const x = upload(backend, train, 0, 1);
    await expect(model.predict(x, { output: 'probabilities' as 'logits' })).rejects.toBeInstanceOf(InvalidArgumentError);
    backend.dispose(x);
  });
});

describe('summary', () => {
  it("matches PyTorch's count for d2l's LeNet-BN: 44,878 parameters + 452 running-statistic values = 45,330", async () => {
    const backend = await newBackend();
    const model = lenetBN(backend);
    const before = await model.state();
    const s = await model.summary([1, 28, 28]);
    // From torch 1.13 on d2l's nn.Sequential LeNet-BN: sum(p.numel() for p in net.parameters()) and the running_* buffers.
    expect(s.parameters).toBe(44_878);
    expect(s.buffers).toBe(452);
    expect(s.layers.map((l) => l.parameters)).toEqual([156, 12, 0, 0, 2416, 32, 0, 0, 0, 30840, 240, 0, 10164, 168, 0, 850]);
    // PyTorch's output shapes module by module for a [1, 1, 28, 28] input.
    expect(s.layers.map((l) => l.outputShape)).toEqual([
      [1, 6, 24, 24], [1, 6, 24, 24], [1, 6, 24, 24], [1, 6, 12, 12], [1, 16, 8, 8], [1, 16, 8, 8], [1, 16, 8, 8], [1, 16, 4, 4],
      [1, 256], [1, 120], [1, 120], [1, 120], [1, 84], [1, 84], [1, 84], [1, 10],
    ]);
    expect(s.text).toContain('fc1       Linear(256→120)');
    expect(s.text.split('\n').at(-1)).toBe('total: 44,878 parameters (trainable) + 452 buffer values (running statistics) = 45,330 values');
    expectBitIdentical(await model.state(), before);
    await expect(model.summary([0, 28] as never)).rejects.toThrow(/shape of one example/);
    model.dispose();
    await backend.close();
  });
});
