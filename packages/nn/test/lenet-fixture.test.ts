import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '@bnkit/core';
import { lenetBN, trainStep, type Sequential } from '../dist/index.js';
import { newBackend, readFixture, worstDeviation, type FixtureTensor, type Worst } from './helpers.js';

interface LenetFixture {
  readonly attrs: { readonly lr: number; readonly steps: number; readonly bn: { eps: number; momentum: number; runningVar: 'unbiased' | 'biased' } };
  readonly inputs: {
    readonly params: Record<string, FixtureTensor>;
    readonly buffers: Record<string, FixtureTensor>;
    readonly batches: ReadonlyArray<{ readonly x: FixtureTensor; readonly labels: FixtureTensor }>;
  };
  readonly expected: { readonly firstStep: Record<string, FixtureTensor>; readonly trajectory: Record<string, FixtureTensor> };
  readonly tolerance: { readonly rtol: number; readonly atol: number };
}

const fixture = readFixture<LenetFixture>('lenetBN/b8-steps3-lr0.5.json');
const { rtol, atol } = fixture.tolerance;

describe('lenetBN against PyTorch (fixtures/pytorch/lenetBN/b8-steps3-lr0.5.json)', () => {
  let backend: Backend;
  const deviations: Worst[] = [];
  beforeAll(async () => {
    backend = await newBackend();
  });
  afterAll(async () => {
    const worst = deviations.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    console.log(`lenetBN fixture: ${deviations.length} tensors, worst ${worst.where}: |err| ${worst.error.toExponential(2)}, ${(worst.ratio * 100).toFixed(1)}% of the tolerance`);
    await backend.close();
  });

  function loadedModel(): Sequential {
    const model = lenetBN(backend, { bn: fixture.attrs.bn });
    const all = { ...fixture.inputs.params, ...fixture.inputs.buffers };
    model.loadState(Object.fromEntries(Object.entries(all).map(([k, t]) => [k, Float32Array.from(t.data)])));
    return model;
  }

  const batch = (i: number) => ({
    x: backend.upload(Float32Array.from(fixture.inputs.batches[i].x.data), fixture.inputs.batches[i].x.shape),
    labels: backend.upload(Int32Array.from(fixture.inputs.batches[i].labels.data), fixture.inputs.batches[i].labels.shape, 'int32'),
  });

  function expectClose(name: string, actual: ArrayLike<number>, expected: FixtureTensor): void {
    const d = worstDeviation(name, actual, expected.data, rtol, atol);
    deviations.push(d);
    expect(d.ratio, `${d.where}: |err| ${d.error}`).toBeLessThanOrEqual(1);
  }

  it('first step: logits, loss, every gradient and the running statistics after it', async () => {
    const model = loadedModel();
    const { x, labels } = batch(0);
    const logits = await model.forward(x, { training: true });
    expectClose('logits', await backend.read(logits), fixture.expected.firstStep.logits);
    const { loss, dlogits } = await backend.softmaxCrossEntropy!({ logits, labels });
    expectClose('loss', await backend.read(loss), fixture.expected.firstStep.loss);
    await model.backward(dlogits);
    const grads = model.namedParameters();
    expect(grads).toHaveLength(18);
    for (const [name, p] of grads) expectClose(`grad.${name}`, await backend.read(p.grad!), fixture.expected.firstStep[`grad.${name}`]);
    const after = Object.keys(fixture.expected.firstStep).filter((k) => k.startsWith('after.'));
    expect(after).toHaveLength(8);
    const state = await model.state();
    for (const key of after) expectClose(key, state[key.slice('after.'.length)], fixture.expected.firstStep[key]);
    for (const t of [x, labels, loss, dlogits]) backend.dispose(t);
    model.dispose();
  });

  it(`${fixture.attrs.steps}-step SGD trajectory: losses, final parameters and statistics, eval logits`, async () => {
    const model = loadedModel();
    const losses: number[] = [];
    for (let i = 0; i < fixture.attrs.steps; i++) {
      const { x, labels } = batch(i);
      losses.push(await trainStep(model, x, labels, fixture.attrs.lr));
      backend.dispose(x);
      backend.dispose(labels);
    }
    expectClose('losses', losses, fixture.expected.trajectory.losses);
    const state = await model.state();
    const finals = Object.keys(fixture.expected.trajectory).filter((k) => k.startsWith('final.'));
    expect(finals).toHaveLength(26);
    for (const key of finals) expectClose(key, state[key.slice('final.'.length)], fixture.expected.trajectory[key]);
    const { x, labels } = batch(0);
    const evalLogits = await model.forward(x, { training: false });
    expectClose('evalLogits', await backend.read(evalLogits), fixture.expected.trajectory.evalLogits);
    backend.dispose(x);
    backend.dispose(labels);
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  });
});
