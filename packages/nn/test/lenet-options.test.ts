import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Backend } from '@bnkit/core';
import { BatchNorm, lenet, lenetBN, trainStep, uploadBatch, type Sequential } from '../dist/node.js';
import { newBackend, syntheticImages } from './helpers.js';

// Trainable parameters of d2l's LeNet-BN: conv1 6·25+6, conv2 16·150+16, fc1 120·256+120, fc2 84·120+84,
// fc3 10·84+10, and a gamma and a beta per channel of bn1..bn4 (the running statistics are buffers).
const LENET_BN_PARAMETERS = 156 + 2416 + 30_840 + 10_164 + 850 + 2 * (6 + 16 + 120 + 84);
const BN_CHANNELS = { 1: 6, 2: 16, 3: 120, 4: 84 } as const;

const countOf = (model: Sequential): number => model.namedParameters().reduce((n, [, p]) => n + p.shape.reduce((a, b) => a * b, 1), 0);

describe('lenetBN options for the seed\'s experiments', () => {
  let backend: Backend;
  const data = syntheticImages(32, 5);
  const step = async (model: Sequential): Promise<number> => {
    const batch = uploadBatch(backend, data, null, 0, 32);
    try {
      return await trainStep(model, batch.x, batch.labels, 0.5);
    } finally {
      batch.dispose();
    }
  };
  beforeAll(async () => {
    backend = await newBackend();
  });
  afterAll(() => backend.close());

  it('bnStages puts BatchNorm in the chosen stages only, over the same weights', async () => {
    const reference = lenetBN(backend, { seed: 4 });
    const full = await reference.state();
    reference.dispose();
    const model = lenetBN(backend, { seed: 4, bnStages: [1, 2] });
    expect(model.layers().map(([n]) => n).filter((n) => n.startsWith('bn'))).toEqual(['bn1', 'bn2']);
    expect(model.layers().map(([n]) => n).slice(8, 11)).toEqual(['flatten', 'fc1', 'sigmoid3']);
    expect(countOf(model)).toBe(LENET_BN_PARAMETERS - 2 * (BN_CHANNELS[3] + BN_CHANNELS[4]));
    const s = await model.state();
    for (const k of Object.keys(s)) expect(s[k]).toEqual(full[k]);
    model.dispose();
    const none = lenetBN(backend, { seed: 4, bnStages: [] });
    const plain = lenet(backend, { seed: 4 });
    expect(await none.state()).toEqual(await plain.state());
    none.dispose();
    plain.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('bnAffine false keeps gamma at 1 and beta at 0 through training, and they are not parameters', async () => {
    const model = lenetBN(backend, { seed: 1, bnAffine: false });
    expect(model.namedParameters().some(([n]) => /gamma|beta/.test(n))).toBe(false);
    expect(countOf(model)).toBe(LENET_BN_PARAMETERS - 2 * (6 + 16 + 120 + 84));
    const before = await model.state();
    await step(model);
    await step(model);
    const after = await model.state();
    for (const name of ['bn1', 'bn4']) {
      const bn = model.layer<BatchNorm>(name);
      expect(bn.affine).toBe(false);
      expect([...(await bn.gamma.read())].every((v) => v === 1)).toBe(true);
      expect([...(await bn.beta.read())].every((v) => v === 0)).toBe(true);
    }
    // Everything else still learns.
    expect(after['conv1.weight']).not.toEqual(before['conv1.weight']);
    expect(after['bn1.runningMean']).not.toEqual(before['bn1.runningMean']);
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('biasBeforeBn false drops the bias feeding each BatchNorm, which the BatchNorm cancels anyway', async () => {
    const model = lenetBN(backend, { seed: 2, biasBeforeBn: false });
    const names = model.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.endsWith('.bias'))).toEqual(['fc3.bias']);
    expect(countOf(model)).toBe(LENET_BN_PARAMETERS - (6 + 16 + 120 + 84));
    // A biased model whose conv/linear biases are far from zero gives the same training-mode logits,
    // because the batch mean absorbs any per-channel constant before the BatchNorm.
    const biased = lenetBN(backend, { seed: 2 });
    const state = await biased.state();
    for (const k of ['conv1.bias', 'conv2.bias', 'fc1.bias', 'fc2.bias']) state[k] = state[k].map((_, i) => 0.5 + 0.1 * i);
    biased.loadState(state);
    const x = backend.upload(data.images.slice(0, 8 * 784), [8, 1, 28, 28]);
    const a = await backend.read(await model.forward(x, { training: true }));
    const b = await backend.read(await biased.forward(x, { training: true }));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4);
    model.release();
    biased.release();
    backend.dispose(x);
    // Training leaves the dropped biases at zero.
    await step(model);
    expect([...(await model.layer<import('../dist/node.js').Conv2d>('conv1').bias.read())].every((v) => v === 0)).toBe(true);
    for (const m of [model, biased]) m.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('rejects bad options with typed errors, before uploading anything', () => {
    const bad: Array<() => unknown> = [
      () => lenetBN(backend, { bnStages: [0] }),
      () => lenetBN(backend, { bnStages: [1, 1] }),
      () => lenetBN(backend, { bnStages: [2.5] }),
      () => lenetBN(backend, { bnAffine: 'false' as unknown as boolean }),
      () => lenetBN(backend, { biasBeforeBn: 0 as unknown as boolean }),
      () => lenet(backend, { bnAffine: false }),
    ];
    for (const f of bad) expect(f).toThrow(InvalidArgumentError);
    expect(backend.memory().tensors).toBe(0);
  });
});
