import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Backend } from '@bnkit/core';
// The entry a bundler picks for a page (no "node" condition): no file system.
import { CorruptCheckpointError, checkpointToBytes, fit as fitModel, lenetBN, loadCheckpointBytes } from '../dist/index.js';
import { newBackend, syntheticImages } from './helpers.js';

describe("@bnkit/nn's browser entry", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await newBackend();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('round-trips a model through checkpoint bytes, whose trailing SHA-256 is the one node:crypto computes', async () => {
    const model = lenetBN(backend, { seed: 4 });
    const bytes = await checkpointToBytes(model);
    const body = bytes.subarray(0, bytes.length - 32);
    expect(Buffer.from(bytes.subarray(bytes.length - 32)).toString('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    const fresh = lenetBN(backend, { seed: 5 });
    expect(await fresh.state()).not.toEqual(await model.state());
    const checkpoint = loadCheckpointBytes(bytes, fresh, 'download.ckpt');
    expect(checkpoint.training).toBeNull();
    expect(await fresh.state()).toEqual(await model.state());
    const damaged = bytes.slice();
    damaged[40] ^= 1;
    expect(() => loadCheckpointBytes(damaged, fresh, 'download.ckpt')).toThrow(CorruptCheckpointError);
  });

  it('refuses a checkpoint path before training, saying what works without a file system', async () => {
    const model = lenetBN(backend, { seed: 1 });
    const before = await model.state();
    const train = syntheticImages(20, 1);
    const run = fitModel(model, train, { epochs: 1, lr: 0.1, batchSize: 10, seed: 0, checkpoint: { path: 'x.ckpt' } });
    await expect(run).rejects.toThrow(InvalidArgumentError);
    await expect(fitModel(model, train, { epochs: 1, lr: 0.1, batchSize: 10, seed: 0, resumeFrom: 'x.ckpt' })).rejects.toThrow(/checkpointToBytes/);
    expect(await model.state()).toEqual(before);
  });

});
