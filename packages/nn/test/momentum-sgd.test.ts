import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Backend } from '@bnkit/core';
import { Flatten, Linear, MomentumSGD, Sequential, fit as fitModel, trainBatch, uploadBatch, type LabeledImages, type MomentumTerms } from '../dist/node.js';
import { worstViolation } from '@bnkit/fixtures';
import { newBackend, type FixtureTensor } from './helpers.js';

interface Step {
  loss: number;
  weight: number[];
  bias: number[];
  weightBuffer: number[] | null;
  biasBuffer: number[] | null;
}
interface Case extends Required<MomentumTerms> {
  name: string;
  lr: number;
  steps: Step[];
}
interface Fixture {
  x: FixtureTensor;
  labels: number[];
  weight: FixtureTensor;
  bias: FixtureTensor;
  cases: Case[];
}

// torch.optim.SGD's own steps, from fixtures/momentum-sgd.py (Debian's PyTorch 1.13).
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/momentum-sgd.json', import.meta.url)), 'utf8')) as Fixture;
const RTOL = 1e-5;
// Absolute floor for values that pass through zero, far below any value's own scale here.
const ATOL = 1e-6;

const data: LabeledImages = {
  images: Float32Array.from(fixture.x.data),
  labels: Uint8Array.from(fixture.labels),
  count: fixture.x.shape[0],
  shape: [fixture.x.shape[1], 1, 1],
};

function expectClose(name: string, actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length, `${name}: length`).toBe(expected.length);
  const { ratio, index } = worstViolation(actual, expected, { rtol: RTOL, atol: ATOL });
  expect(ratio, `${name}[${index}]: ${actual[index]} vs ${expected[index]}`).toBeLessThanOrEqual(1);
}

describe('MomentumSGD against torch.optim.SGD', () => {
  let backend: Backend;
  const classifier = (): Sequential => {
    const model = new Sequential(backend, [['flatten', new Flatten(backend)], ['fc', new Linear(backend, { inFeatures: 4, outFeatures: 3 })]]);
    model.loadState({ 'fc.weight': Float32Array.from(fixture.weight.data), 'fc.bias': Float32Array.from(fixture.bias.data) });
    return model;
  };
  beforeAll(async () => {
    backend = await newBackend();
  });
  afterAll(() => backend.close());

  it.each(fixture.cases)('$name: parameters, buffers and losses of every step', async (c) => {
    const model = classifier();
    const optimizer = new MomentumSGD(backend, c);
    const batch = uploadBatch(backend, data, null, 0, data.count);
    const fc = model.layer<Linear>('fc');
    for (const [i, step] of c.steps.entries()) {
      const { loss } = await trainBatch(model, batch.x, batch.labels, optimizer);
      expectClose(`step ${i + 1} loss`, [loss], [step.loss]);
      expectClose(`step ${i + 1} weight`, await fc.weight.read(), step.weight);
      expectClose(`step ${i + 1} bias`, await fc.bias.read(), step.bias);
      const buffers = [await optimizer.buffer(fc.weight), await optimizer.buffer(fc.bias)];
      if (step.weightBuffer === null) expect(buffers).toEqual([null, null]);
      else {
        expectClose(`step ${i + 1} weight buffer`, buffers[0]!, step.weightBuffer);
        expectClose(`step ${i + 1} bias buffer`, buffers[1]!, step.biasBuffer!);
      }
    }
    batch.dispose();
    optimizer.dispose();
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('fit trains with it through `sgd`, and frees the buffers when it returns', async () => {
    const c = fixture.cases[0];
    const model = classifier();
    // One batch holding the whole set per epoch: the shuffle reorders rows, which a mean gradient ignores.
    const { history } = await fitModel(model, data, { epochs: c.steps.length, lr: c.lr, batchSize: data.count, seed: 3, sgd: c });
    expectClose('fit losses', history.map((r) => r.loss), c.steps.map((s) => s.loss));
    expectClose('fit weight', await model.layer<Linear>('fc').weight.read(), c.steps[c.steps.length - 1].weight);
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('rejects terms outside torch.optim.SGD\'s ranges, and resuming a momentum run', async () => {
    const bad: MomentumTerms[] = [
      { momentum: -0.1 }, { momentum: 1 }, { dampening: 1.5 }, { weightDecay: -1 }, { weightDecay: NaN },
      { nesterov: true }, { nesterov: true, momentum: 0.9, dampening: 0.1 }, { nesterov: 'yes' as unknown as boolean },
    ];
    for (const terms of bad) expect(() => new MomentumSGD(backend, { lr: 0.1, ...terms }), JSON.stringify(terms)).toThrow(InvalidArgumentError);
    const model = classifier();
    await expect(fitModel(model, data, { epochs: 1, lr: 0.1, batchSize: 8, seed: 0, sgd: { momentum: 0.9 }, resumeFrom: 'x.ckpt' })).rejects.toThrow(/momentum buffers/);
    model.dispose();
  });
});
