import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '@bnkit/core';
import { evaluate, fit as fitModel, lenetBN, readCheckpoint, trainStep, type BatchProgress, type EpochRow, type StateRecord } from '../dist/node.js';
import { expectBitIdentical, newBackend, syntheticImages } from './helpers.js';

const train = syntheticImages(300, 1);
const test = syntheticImages(100, 2);
const RUN = { lr: 0.5, batchSize: 64, seed: 5 } as const;

const withoutSeconds = (rows: readonly EpochRow[]) => rows.map(({ seconds: _s, ...rest }) => rest);

describe('training loop', () => {
  let backend: Backend;
  let dir: string;
  let straight: { state: StateRecord; history: readonly EpochRow[] };
  beforeAll(async () => {
    backend = await newBackend();
    dir = mkdtempSync(join(tmpdir(), 'bnkit-nn-'));
    const model = lenetBN(backend, { seed: 1 });
    const result = await fitModel(model, train, { ...RUN, epochs: 2, test });
    straight = { state: await model.state(), history: result.history };
    model.dispose();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await backend.close();
  });

  it('reports d2l-style rows, learns, and leaves only the model on the device', async () => {
    expect(straight.history.map((r) => r.epoch)).toEqual([1, 2]);
    for (const r of straight.history) {
      expect(r.testAcc).not.toBeNull();
      expect(r.seconds).toBeGreaterThan(0);
    }
    expect(straight.history[1].loss).toBeLessThan(straight.history[0].loss);
    expect(straight.history[1].trainAcc).toBeGreaterThan(0.3);
    const model = lenetBN(backend, { seed: 1 });
    model.loadState(straight.state);
    const { acc } = await evaluate(model, test, { batchSize: 32 });
    expect(acc).toBe(straight.history[1].testAcc);
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('onBatch reports progress; the same seed gives the same batches', async () => {
    const progress: BatchProgress[] = [];
    const model = lenetBN(backend, { seed: 1 });
    const rows: EpochRow[] = [];
    const result = await fitModel(model, train, {
      ...RUN, epochs: 1,
      onBatch: (p) => void progress.push(p),
      onEpoch: async (r) => {
        await new Promise((done) => setTimeout(done, 20));
        rows.push(r);
      },
    });
    expect(rows).toEqual(result.history); // the async callback was awaited
    expect(progress.map((p) => p.batch)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.map((p) => p.examples)).toEqual([64, 128, 192, 256, 300]);
    expect(progress.every((p) => p.batches === 5 && p.epoch === 1 && p.examplesPerSecond > 0 && Number.isFinite(p.loss))).toBe(true);
    expect(progress[4].etaSeconds).toBe(0);
    // One throughput: the last batch's rate is the epoch's examples over the row's training seconds, and
    // the time spent in onEpoch (awaited above) is in neither.
    expect(progress[4].seconds).toBe(rows[0].seconds);
    expect(progress[4].examplesPerSecond * rows[0].seconds).toBeCloseTo(300, 6);
    expect(progress.every((p, i) => i === 0 || p.seconds >= progress[i - 1].seconds)).toBe(true);
    model.dispose();
    expect(result.history.map((r) => [r.loss, r.trainAcc, r.testAcc])).toEqual([[straight.history[0].loss, straight.history[0].trainAcc, null]]);
  });

  it('drops a single leftover example (BatchNorm cannot train on a batch of one)', async () => {
    const model = lenetBN(backend, { seed: 1 });
    const seen: number[] = [];
    const result = await fitModel(model, syntheticImages(129, 3), { ...RUN, epochs: 1, onBatch: (p) => void seen.push(p.examples) });
    expect(seen).toEqual([64, 128]);
    expect(result.state.history).toHaveLength(1);
    model.dispose();
  });

  it('1 epoch + checkpoint + fresh model + resume = 2 straight epochs, bit for bit', async () => {
    const path = join(dir, 'epoch.ckpt');
    const first = lenetBN(backend, { seed: 1 });
    await fitModel(first, train, { ...RUN, epochs: 1, test, checkpoint: { path } });
    first.dispose();
    expect((await readCheckpoint(path)).training).toMatchObject({ epochsCompleted: 1, batchesCompleted: 0, seed: 5 });
    const resumed = lenetBN(backend, { seed: 1234 }); // different init: everything must come from the checkpoint
    const result = await fitModel(resumed, train, { ...RUN, epochs: 2, test, resumeFrom: path });
    expectBitIdentical(await resumed.state(), straight.state);
    expect(withoutSeconds(result.history)).toEqual(withoutSeconds(straight.history));
    resumed.dispose();
  });

  it('an abort mid-epoch checkpoints the position, and resuming from it is bit-identical too', async () => {
    const path = join(dir, 'abort.ckpt');
    const controller = new AbortController();
    const first = lenetBN(backend, { seed: 1 });
    const stopped = await fitModel(first, train, {
      ...RUN, epochs: 2, test, checkpoint: { path },
      signal: controller.signal,
      onBatch: (p) => {
        if (p.epoch === 2 && p.batch === 2) controller.abort();
      },
    });
    first.dispose();
    expect(stopped.stopped).toBe(true);
    expect(stopped.state).toMatchObject({ epochsCompleted: 1, batchesCompleted: 2 });
    const resumed = lenetBN(backend, { seed: 77 });
    const result = await fitModel(resumed, train, { ...RUN, epochs: 2, test, resumeFrom: path });
    expect(result.stopped).toBe(false);
    expectBitIdentical(await resumed.state(), straight.state);
    expect(withoutSeconds(result.history)).toEqual(withoutSeconds(straight.history));
    resumed.dispose();
  });

  it('refuses to resume with another seed or batch size', async () => {
    const path = join(dir, 'epoch.ckpt');
    const model = lenetBN(backend, { seed: 1 });
    await expect(fitModel(model, train, { ...RUN, seed: 6, epochs: 2, resumeFrom: path })).rejects.toThrow(/seed 5.*seed 6/);
    await expect(fitModel(model, train, { ...RUN, batchSize: 32, epochs: 2, resumeFrom: path })).rejects.toThrow(/batchSize/);
    model.dispose();
  });

  it('device memory does not grow from step to step', async () => {
    const model = lenetBN(backend, { seed: 2 });
    const x = backend.upload(train.images.subarray(0, 32 * 784), [32, 1, 28, 28]);
    const labels = backend.upload(Int32Array.from(train.labels.subarray(0, 32)), [32], 'int32');
    const before = backend.memory();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const loss = await trainStep(model, x, labels, 0.1);
      expect(Number.isFinite(loss)).toBe(true);
      counts.push(backend.memory().tensors);
    }
    expect(counts).toEqual([before.tensors, before.tensors, before.tensors, before.tensors]);
    expect(backend.memory().bytes).toBe(before.bytes);
    backend.dispose(x);
    backend.dispose(labels);
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  });
});
