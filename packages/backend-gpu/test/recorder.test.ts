import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@bnkit/core';
import createBackend, { type GpuBackend } from '@bnkit/backend-gpu';
import { MAX_DISPATCHES_PER_FLUSH } from '../src/execution/recorder.js';

/*
 * The webgpu execution path: dispatches recorded into one pass and submitted on read, params in a ring,
 * storage from a pool. Counters are exact (they count this backend's own device calls), so these hold on
 * any adapter, lavapipe included.
 */
describe('webgpu recorder', () => {
  let b: GpuBackend;
  beforeAll(async () => {
    b = await createBackend({ device: 'webgpu' });
  });
  afterAll(async () => {
    await b.close();
  });
  const dispose = (...ts: Tensor[]) => ts.forEach((t) => b.dispose(t));
  const delta = (before: ReturnType<GpuBackend['counters']>) => {
    const now = b.counters()!;
    return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - before![k as keyof typeof now]]));
  };

  /** p ← p − 1, n times, every step depending on the one before: −n only if they ran in order. */
  async function countDown(n: number, size: number): Promise<Float32Array> {
    const g = b.upload(new Float32Array(size).fill(1), [size]);
    let p = b.upload(new Float32Array(size), [size]);
    for (let i = 0; i < n; i++) {
      const next = await b.sgd({ param: p, grad: g }, { lr: 1 });
      b.dispose(p);
      p = next;
    }
    const values = (await b.read(p)) as Float32Array;
    b.dispose(p);
    b.dispose(g);
    return values;
  }

  it('submits a chain of dependent dispatches once, on read, with one params write', async () => {
    await countDown(20, 64); // compiles the kernel
    const before = b.counters();
    expect(Array.from(await countDown(20, 64))).toEqual(new Array(64).fill(-20));
    // Two uploads, then one ring write and one submit for all 20 dispatches and the readback copy.
    expect(delta(before)).toMatchObject({ dispatches: 20, submits: 1, writeBuffers: 3, buffersCreated: 0, bytesAllocated: 0 });
  });

  it(`submits every ${MAX_DISPATCHES_PER_FLUSH} dispatches without a read`, async () => {
    const n = MAX_DISPATCHES_PER_FLUSH + 10;
    const before = b.counters();
    expect(Array.from(await countDown(n, 8))).toEqual(new Array(8).fill(-n));
    expect(delta(before)).toMatchObject({ dispatches: n, submits: 2 });
  });

  it('reuses pooled buffers: a repeated step creates no buffer', async () => {
    const step = async () => {
      const x = b.upload(Float32Array.from({ length: 600 }, (_, i) => i - 300), [20, 30]);
      const y = await b.relu({ x });
      const z = await b.sigmoid({ x: y });
      const v = await b.read(z);
      dispose(x, y, z);
      return v;
    };
    await step();
    const before = b.counters();
    await step();
    await step();
    expect(delta(before)).toMatchObject({ buffersCreated: 0, bytesAllocated: 0, dispatches: 4, submits: 2 });
  });

  it('does not hand out a disposed buffer while a recorded dispatch still reads it', async () => {
    const x = b.upload([1, -2, 3, -4], [4]);
    const y = await b.relu({ x });
    // x's buffer is released while the relu reading it is recorded but not submitted; this same-size upload
    // must not get it, or its queue write (which runs before the pending submit) would be what relu reads.
    b.dispose(x);
    const other = b.upload([9, 9, 9, 9], [4]);
    expect(Array.from(await b.read(y))).toEqual([1, 0, 3, 0]);
    expect(Array.from(await b.read(other))).toEqual([9, 9, 9, 9]);
    dispose(y, other);
  });

  it('lets a caller dispose an input right after a first (compiling) call starts', async () => {
    // A shape no other test uses, so this call compiles its pipeline before it can dispatch.
    const x = b.upload([-1, 2, -3, 4, -5, 6, -7], [7]);
    const pending = b.relu({ x });
    b.dispose(x);
    const y = await pending;
    expect(Array.from(await b.read(y))).toEqual([0, 2, 0, 4, 0, 6, 0]);
    b.dispose(y);
  });

  /** Starts one sgd call per size in the same turn (as an optimizer does), disposing each input at once. */
  function updateAll(sizes: readonly number[], seed: number) {
    const expected: Float32Array[] = [];
    const calls = sizes.map((n, k) => {
      const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i + k + seed));
      const g = Float32Array.from({ length: n }, (_, i) => Math.cos(3 * i + k));
      const lr = 0.25 * (k + 1);
      // p − lr·g in float32, as the kernel computes it.
      expected.push(p.map((v, i) => Math.fround(v - Math.fround(lr * g[i]))));
      const [param, grad] = [b.upload(p, [n]), b.upload(g, [n])];
      const next = b.sgd({ param, grad }, { lr });
      dispose(param, grad);
      return next;
    });
    return { expected, results: Promise.all(calls) };
  }

  it('runs the sgd calls of one turn as grouped kernels, three parameters per dispatch', async () => {
    // Sizes off the 64-float binding alignment, so the parts sit on padded offsets.
    const sizes = [150, 6, 2400, 16, 30720, 120, 84];
    // Compiles the grouped kernels; the read submits, which returns the released buffers to the pool.
    const first = await updateAll(sizes, 0).results;
    await b.read(first[0]);
    dispose(...first);
    const before = b.counters();
    const { expected, results } = updateAll(sizes, 1);
    const out = await results;
    expect(delta(before)).toMatchObject({ dispatches: 3, buffersCreated: 0 });
    expect(out.map((t) => t.shape)).toEqual(sizes.map((n) => [n]));
    for (const [k, t] of out.entries()) expect(Array.from(await b.read(t))).toEqual(Array.from(expected[k]));
    expect(b.memory().tensors).toBe(sizes.length);
    dispose(...out);
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
  });

  it('keeps a grouped output buffer until its last part is released', async () => {
    const sizes = [64, 64, 64];
    const { expected, results } = updateAll(sizes, 2);
    const [a, c, last] = await results;
    // Reading submits the dispatch, so a released buffer would go straight back to the pool.
    expect(Array.from(await b.read(a))).toEqual(Array.from(expected[0]));
    dispose(a, c);
    // An upload the size of the whole output (three 64-float parts) must not get its buffer while `last` lives.
    const other = b.upload(new Float32Array(192).fill(7), [192]);
    expect(Array.from(await b.read(last))).toEqual(Array.from(expected[2]));
    dispose(last, other);
  });

  it('folds a dispatch wider than 65,535 workgroups across y', async () => {
    const size = 65_535 * 64 + 130;
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = (i % 7) - 3;
    const x = b.upload(data, [size]);
    const y = await b.relu({ x });
    const v = await b.read(y);
    dispose(x, y);
    const wrong = v.findIndex((got, i) => got !== Math.max(0, (i % 7) - 3));
    expect(wrong).toBe(-1);
  });
});

describe('counters on the host modes', () => {
  it('are null: there is no device to count', async () => {
    const cpu = await createBackend({ device: 'cpu' });
    try {
      expect(cpu.counters()).toBeNull();
    } finally {
      await cpu.close();
    }
  });
});
