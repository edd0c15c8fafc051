import { describe, expect, it } from 'vitest';
import {
  BackendClosedError, DisposedTensorError, KERNEL_GROUPS, SPECIFICATION_VERSION, batchNormAttrs, batchNormLayout, defineBackend,
  type BackendStorage, type BatchNormAttrs, type BatchNormKernels, type DType, type Shape, type Tensor,
} from '@bnkit/core';
import { closedBoundaryCases, misrefusal, openBoundaryCases } from '@bnkit/core/api-boundary';

/** A host handle of the tiny backend below. */
class HostTensor implements Tensor {
  readonly backend = 'tiny';
  constructor(readonly data: Float32Array | Int32Array, readonly shape: Shape, readonly dtype: DType) {}
}

const values = (t: Tensor) => (t as HostTensor).data;

/**
 * A tiny backend built with the kit: host storage that logs what it is asked to do, the BatchNorm group
 * written out per element (over the layout core resolves) and one training kernel, so the training group
 * is incomplete.
 */
function tinyBackend(log: string[] = []) {
  const storage: BackendStorage<HostTensor> = {
    upload: (data, shape, dtype) => (log.push(`upload ${data.constructor.name} ${dtype}`), new HostTensor(data.slice(), shape, dtype)),
    read: async (t) => t.data.slice(),
    reshape: (t, shape) => new HostTensor(t.data, shape, t.dtype),
    release(t, live) {
      const shared = [...live].some((other) => other.data === t.data);
      log.push(`release [${t.shape.join(', ')}]${shared ? ' (shared)' : ''}`);
    },
    close: async () => void log.push('close'),
  };
  const out = (data: Float32Array, like: Tensor) => new HostTensor(data, like.shape, 'float32');
  /** Applies f(value, channel) to every element of x. */
  const perElement = (x: Tensor, a: BatchNormAttrs, f: (v: number, c: number, i: number) => number) => {
    const { channels, inner } = batchNormLayout(x.shape, a.axis);
    return out(values(x).map((v, i) => f(v, Math.floor(i / inner) % channels, i)) as Float32Array, x);
  };
  const sums = (x: Tensor, a: BatchNormAttrs, f: (v: number, c: number, i: number) => number) => {
    const { channels, inner } = batchNormLayout(x.shape, a.axis);
    const s = new Float32Array(channels);
    values(x).forEach((v, i) => (s[Math.floor(i / inner) % channels] += f(v, Math.floor(i / inner) % channels, i)));
    return s;
  };
  const channelTensor = (data: Float32Array) => new HostTensor(data, [data.length], 'float32');
  const kernels: BatchNormKernels & { relu(inputs: { readonly x: Tensor }): Promise<Tensor> } = {
    async batchNormTrain(i, a) {
      const n = batchNormLayout(i.x.shape, a.axis).count;
      const mean = sums(i.x, a, (v) => v).map((s) => s / n);
      const biased = sums(i.x, a, (v, c) => (v - mean[c]) ** 2).map((s) => s / n);
      const invStd = biased.map((v) => 1 / Math.sqrt(v + a.eps));
      const g = values(i.gamma), b = values(i.beta), rm = values(i.runningMean), rv = values(i.runningVar);
      const batchVar = a.runningVar === 'unbiased' ? biased.map((v) => (v * n) / (n - 1)) : biased;
      return {
        y: perElement(i.x, a, (v, c) => g[c] * (v - mean[c]) * invStd[c] + b[c]),
        runningMean: channelTensor(mean.map((m, c) => a.momentum * rm[c] + (1 - a.momentum) * m)),
        runningVar: channelTensor(batchVar.map((v, c) => a.momentum * rv[c] + (1 - a.momentum) * v)),
        mean: channelTensor(mean),
        invStd: channelTensor(invStd),
      };
    },
    async batchNormTrainBackward(i, a) {
      const n = batchNormLayout(i.x.shape, a.axis).count;
      const m = values(i.mean), s = values(i.invStd), g = values(i.gamma), dy = values(i.dy);
      const dbeta = sums(i.dy, a, (v) => v);
      const dgamma = sums(i.x, a, (v, c, k) => dy[k] * (v - m[c]) * s[c]);
      const dx = perElement(i.x, a, (v, c, k) => ((g[c] * s[c]) / n) * (n * dy[k] - dbeta[c] - (v - m[c]) * s[c] * dgamma[c]));
      return { dx, dgamma: channelTensor(dgamma), dbeta: channelTensor(dbeta) };
    },
    async batchNormEval(i, a) {
      const g = values(i.gamma), b = values(i.beta), rm = values(i.runningMean), rv = values(i.runningVar);
      return perElement(i.x, a, (v, c) => (g[c] * (v - rm[c])) / Math.sqrt(rv[c] + a.eps) + b[c]);
    },
    async batchNormEvalBackward(i, a) {
      const g = values(i.gamma), rm = values(i.runningMean), rv = values(i.runningVar), dy = values(i.dy);
      const s = rv.map((v) => 1 / Math.sqrt(v + a.eps));
      return {
        dx: perElement(i.dy, a, (v, c) => v * g[c] * s[c]),
        dgamma: channelTensor(sums(i.x, a, (v, c, k) => dy[k] * (v - rm[c]) * s[c])),
        dbeta: channelTensor(sums(i.dy, a, (v) => v)),
      };
    },
    relu: async (i) => out(values(i.x).map((v) => (v > 0 ? v : v === v ? 0 : v)) as Float32Array, i.x),
  };
  return defineBackend({ name: 'tiny', device: { kind: 'cpu', name: 'test' }, storage, kernels, extras: { answer: () => 42 } });
}

describe('defineBackend', () => {
  it('is a checked backend of the contract with its extras and the groups its kernels complete', () => {
    const b = tinyBackend();
    expect(b.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(b.capabilities).toEqual(['batchNorm']);
    expect(b.answer()).toBe(42);
    expect(KERNEL_GROUPS.batchNorm.every((k) => typeof (b as unknown as Record<string, unknown>)[k] === 'function')).toBe(true);
  });

  it('hands storage the typed array of the resolved dtype', () => {
    const log: string[] = [];
    const b = tinyBackend(log);
    b.upload([1, 2], [2]);
    b.upload(Int32Array.of(1, 2), [2]);
    b.upload([3, 4], [2], 'int32');
    b.upload(Float32Array.of(1, 2), [2]);
    expect(log).toEqual(['upload Float32Array float32', 'upload Int32Array int32', 'upload Int32Array int32', 'upload Float32Array float32']);
  });

  it('computes BatchNorm through its kernels (hand-computed values)', async () => {
    const b = tinyBackend();
    const c = (v: number[]) => b.upload(v, [2]);
    // x [[1, 10], [3, 30]]: channel means 2 and 20, biased variances 1 and 100.
    const x = b.upload([1, 10, 3, 30], [2, 2]);
    const out = await b.batchNormTrain({ x, gamma: c([1, 2]), beta: c([0, 1]), runningMean: c([0, 0]), runningVar: c([1, 1]) }, batchNormAttrs({ eps: 1e-12 }));
    expect(Array.from(await b.read(out.y))).toEqual([-1, -1, 1, 3].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(await b.read(out.runningVar))).toEqual([expect.closeTo(0.9 + 0.1 * 2, 6), expect.closeTo(0.9 + 0.1 * 200, 4)]);
  });

  it('counts every live handle in memory() and releases shared storage with its last handle', async () => {
    const log: string[] = [];
    const b = tinyBackend(log);
    const x = b.upload([1, -2, 3, -4, 5, -6], [2, 3]);
    const view = b.reshape(x, [6]);
    const y = await b.relu!({ x });
    expect(b.memory()).toEqual({ tensors: 3, bytes: 3 * 6 * 4 });
    b.dispose(x);
    b.dispose(view);
    expect(log.filter((l) => l.startsWith('release'))).toEqual(['release [2, 3] (shared)', 'release [6]']);
    expect(Array.from(await b.read(y))).toEqual([1, 0, 3, 0, 5, 0]);
    expect(b.memory()).toEqual({ tensors: 1, bytes: 24 });
  });

  it('closes once, releasing every live handle, then refuses every method with BackendClosedError', async () => {
    const log: string[] = [];
    const b = tinyBackend(log);
    const t = b.upload([1, 2, 3, 4], [2, 2]);
    b.reshape(t, [4]);
    await Promise.all([b.close(), b.close()]);
    await b.close();
    expect(log.filter((l) => !l.startsWith('upload'))).toEqual(['release [2, 2] (shared)', 'release [4]', 'close']);
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
    const cases = closedBoundaryCases(b, t);
    expect(cases.length).toBeGreaterThan(KERNEL_GROUPS.batchNorm.length + KERNEL_GROUPS.training.length);
    for (const c of cases) expect(await misrefusal(c)).toBeUndefined();
    await expect(b.read(t)).rejects.toBeInstanceOf(BackendClosedError);
  });

  it('refuses malformed calls, wrong dtypes and handles of another instance with typed errors', async () => {
    const b = tinyBackend();
    const sibling = tinyBackend();
    const cases = openBoundaryCases(b, sibling);
    expect(cases.length).toBeGreaterThan(30);
    for (const c of cases) expect(await misrefusal(c)).toBeUndefined();
    const elsewhere = sibling.upload([1], [1]);
    expect(() => b.dispose(elsewhere)).toThrow(DisposedTensorError);
  });
});
