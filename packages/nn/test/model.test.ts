import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, KERNEL_GROUPS, NotImplementedKernelError, ShapeError, type Backend } from '@bnkit/core';
import { BatchNorm, Conv2d, Linear, Sequential, lenet, lenetBN } from '../dist/node.js';
import { newBackend } from './helpers.js';

const LENET_BN_NAMES = [
  'conv1.weight', 'conv1.bias', 'bn1.gamma', 'bn1.beta', 'conv2.weight', 'conv2.bias', 'bn2.gamma', 'bn2.beta',
  'fc1.weight', 'fc1.bias', 'bn3.gamma', 'bn3.beta', 'fc2.weight', 'fc2.bias', 'bn4.gamma', 'bn4.beta', 'fc3.weight', 'fc3.bias',
];

describe('presets and Sequential', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await newBackend();
  });
  afterAll(() => backend.close());

  it('lenetBN has the fixture names and PyTorch shapes, with d2l initial values', async () => {
    const model = lenetBN(backend, { seed: 3 });
    expect(model.namedParameters().map(([n]) => n)).toEqual(LENET_BN_NAMES);
    expect(model.namedBuffers().map(([n]) => n)).toEqual(['bn1', 'bn2', 'bn3', 'bn4'].flatMap((b) => [`${b}.runningMean`, `${b}.runningVar`]));
    const shapes = model.shapes();
    expect(shapes['conv1.weight']).toEqual([6, 1, 5, 5]);
    expect(shapes['conv2.weight']).toEqual([16, 6, 5, 5]);
    expect(shapes['fc1.weight']).toEqual([120, 256]);
    expect(shapes['fc3.weight']).toEqual([10, 84]);
    const s = await model.state();
    // Xavier uniform: |w| <= sqrt(6 / (fanIn + fanOut)), and the draws spread over the range.
    const bound = (fanIn: number, fanOut: number) => Math.sqrt(6 / (fanIn + fanOut));
    for (const [name, b] of [['conv1.weight', bound(25, 150)], ['conv2.weight', bound(150, 400)], ['fc1.weight', bound(256, 120)], ['fc3.weight', bound(84, 10)]] as const) {
      const w = s[name];
      const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(max).toBeLessThanOrEqual(b);
      expect(max).toBeGreaterThan(0.8 * b);
    }
    for (const b of ['conv1.bias', 'fc1.bias', 'bn1.beta', 'bn3.runningMean']) expect(s[b].every((v) => v === 0)).toBe(true);
    for (const b of ['bn1.gamma', 'bn4.runningVar']) expect(s[b].every((v) => v === 1)).toBe(true);
    const bn1 = model.layer<BatchNorm>('bn1');
    expect(bn1).toBeInstanceOf(BatchNorm);
    expect(bn1.numFeatures).toBe(6);
    expect(bn1.axis).toBe(1);
    expect(bn1.attrs).toMatchObject({ eps: 1e-5, momentum: 0.9, runningVar: 'unbiased' });
    expect(await bn1.gamma.read()).toEqual(new Float32Array(6).fill(1));
    expect(await bn1.beta.read()).toEqual(new Float32Array(6));
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('the same seed gives the same weights; lenet() shares them without the BN layers', async () => {
    const a = await lenetBN(backend, { seed: 9 }).state();
    const b = lenetBN(backend, { seed: 9 });
    const c = lenetBN(backend, { seed: 10 });
    const plain = lenet(backend, { seed: 9 });
    expect(await b.state()).toEqual(a);
    expect((await c.state())['fc1.weight']).not.toEqual(a['fc1.weight']);
    const p = await plain.state();
    expect(Object.keys(p)).toEqual(LENET_BN_NAMES.filter((n) => !n.startsWith('bn')));
    for (const k of Object.keys(p)) expect(p[k]).toEqual(a[k]);
    for (const m of [b, c, plain]) m.dispose();
  });

  it('forward output shapes; backward needs a training forward; loadState validates', async () => {
    const model = lenetBN(backend);
    const x = backend.upload(new Float32Array(4 * 784).fill(0.5), [4, 1, 28, 28]);
    const y = await model.forward(x, { training: false });
    expect(y.shape).toEqual([4, 10]);
    await expect(model.backward(backend.upload(new Float32Array(40), [4, 10]))).rejects.toThrow(InvalidArgumentError);
    await model.forward(x, { training: true });
    await expect(model.backward(backend.upload(new Float32Array(4), [4, 1]))).rejects.toThrow(ShapeError);
    const state = await model.state();
    expect(() => model.loadState({ ...state, 'conv1.weight': new Float32Array(3) })).toThrow(ShapeError);
    const { ['bn1.gamma']: _dropped, ...missing } = state;
    expect(() => model.loadState(missing)).toThrow(/missing bn1\.gamma/);
    expect(() => model.layer('bn9')).toThrow(/layers: conv1, bn1, sigmoid1/);
    model.dispose();
  });

  it('rejects bad layer options and names with typed errors', () => {
    expect(() => new Conv2d(backend, { inChannels: 0, outChannels: 6, kernelSize: 5 })).toThrow(InvalidArgumentError);
    expect(() => new Linear(backend, { inFeatures: 3, outFeatures: 2.5 })).toThrow(InvalidArgumentError);
    expect(() => lenetBN(backend, { bn: { eps: 0 } })).toThrow(/eps must be/);
    const bn = new BatchNorm(backend, { numFeatures: 2 });
    expect(() => new Sequential(backend, [['a.b', bn]])).toThrow(InvalidArgumentError);
    expect(() => new Sequential(backend, [['a', bn], ['a', bn]])).toThrow(/used twice/);
    bn.dispose();
  });

  it('layers that need training kernels refuse a BatchNorm-only backend by kernel name', () => {
    const methods = ['upload', 'read', 'reshape', 'dispose', 'memory', 'close', ...KERNEL_GROUPS.batchNorm] as const;
    const bnOnly = Object.fromEntries(methods.map((m) => [m, (...args: unknown[]) => (backend as unknown as Record<string, (...a: unknown[]) => unknown>)[m](...args)]));
    const b = { ...bnOnly, specificationVersion: backend.specificationVersion, name: 'bn-only', device: backend.device, capabilities: ['batchNorm'] } as unknown as Backend;
    expect(() => new Conv2d(b, { inChannels: 1, outChannels: 1, kernelSize: 1 })).toThrow(NotImplementedKernelError);
    const bn = new BatchNorm(b, { numFeatures: 3 });
    bn.dispose();
  });
});
