import { describe, expect, it } from 'vitest';
import { DisposedTensorError, SPECIFICATION_VERSION, batchNormAttrs } from '@bnkit/core';
import { loadBackend } from '@bnkit/loader';
import createBackend, { createBackend as named } from '../dist/index.js';

describe('backend-ts data plane', async () => {
  const b = await createBackend();

  it('identifies itself and declares the BatchNorm group', () => {
    expect(b.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(b.name).toBe('ts');
    expect(b.device.kind).toBe('cpu');
    expect(b.capabilities).toContain('batchNorm');
    expect(named).toBe(createBackend);
  });

  it('round-trips float32 and int32 data as copies', async () => {
    const src = Float32Array.from([1.5, -2, 3.25, 0, 1e-7, 6]);
    const t = b.upload(src, [2, 3]);
    src[0] = 99; // the backend does not keep the caller's array
    const back = await b.read(t);
    expect(back).toBeInstanceOf(Float32Array);
    expect(Array.from(back)).toEqual(Array.from(Float32Array.from([1.5, -2, 3.25, 0, 1e-7, 6])));
    back[1] = 42; // nor hands out its own
    expect((await b.read(t))[1]).toBe(-2);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');

    const labels = b.upload([3, 0, 9], [3], 'int32');
    expect(labels.dtype).toBe('int32');
    const l = await b.read(labels);
    expect(l).toBeInstanceOf(Int32Array);
    expect(Array.from(l)).toEqual([3, 0, 9]);
  });

  it('reshapes into an independent handle over the same values', async () => {
    const t = b.upload([1, 2, 3, 4, 5, 6], [2, 3]);
    const r = b.reshape(t, [3, 2]);
    expect(r.shape).toEqual([3, 2]);
    expect(t.shape).toEqual([2, 3]);
    b.dispose(t);
    expect(Array.from(await b.read(r))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => b.reshape(r, [4, 2])).toThrow(/cannot view/);
  });

  it('rejects use after dispose with DisposedTensorError', async () => {
    const t = b.upload([1, 2, 3, 4], [2, 2]);
    const g = b.upload([1, 1], [2]);
    b.dispose(t);
    await expect(b.read(t)).rejects.toBeInstanceOf(DisposedTensorError);
    expect(() => b.reshape(t, [4])).toThrow(DisposedTensorError);
    const attrs = batchNormAttrs({});
    await expect(b.batchNormEval({ x: t, gamma: g, beta: g, runningMean: g, runningVar: g }, attrs)).rejects.toBeInstanceOf(DisposedTensorError);
  });

  it('rejects a handle it did not create', async () => {
    const foreign = { shape: [2], dtype: 'float32' as const, backend: 'other' };
    await expect(b.read(foreign)).rejects.toBeInstanceOf(DisposedTensorError);
  });

  it('counts live tensors, kernel results included, and counts back down on dispose', async () => {
    const before = b.memory();
    const x = b.upload(new Float32Array(24).map((_, i) => i), [4, 3, 2]);
    const p = b.upload([1, 1, 1], [3]);
    expect(b.memory()).toEqual({ tensors: before.tensors + 2, bytes: before.bytes + 4 * 27 });
    const out = await b.batchNormTrain({ x, gamma: p, beta: p, runningMean: p, runningVar: p }, batchNormAttrs({}));
    expect(b.memory().tensors).toBe(before.tensors + 2 + 5);
    for (const t of Object.values(out)) b.dispose(t);
    b.dispose(x);
    b.dispose(p);
    expect(() => b.dispose(p)).toThrow(DisposedTensorError); // a second dispose is a lifecycle bug
    expect(b.memory()).toEqual(before);
  });

  it('never writes into its inputs', async () => {
    const xs = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const x = b.upload(xs, [4, 3]);
    const gamma = b.upload([1, 2, 3], [3]), beta = b.upload([0, 1, 2], [3]);
    const rm = b.upload([0.1, 0.2, 0.3], [3]), rv = b.upload([1, 2, 3], [3]);
    const attrs = batchNormAttrs({});
    const fwd = await b.batchNormTrain({ x, gamma, beta, runningMean: rm, runningVar: rv }, attrs);
    await b.batchNormTrainBackward({ x, dy: x, gamma, mean: fwd.mean, invStd: fwd.invStd }, attrs);
    await b.batchNormEval({ x, gamma, beta, runningMean: rm, runningVar: rv }, attrs);
    await b.batchNormEvalBackward({ x, dy: x, gamma, runningMean: rm, runningVar: rv }, attrs);
    expect(Array.from(await b.read(x))).toEqual(Array.from(xs));
    expect(Array.from(await b.read(rm))).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3])));
    expect(Array.from(await b.read(rv))).toEqual([1, 2, 3]);
  });

  it('loads by its short name through loadBackend and closes', async () => {
    const loaded = await loadBackend('ts', {}, import.meta.url);
    expect(loaded.name).toBe('ts');
    const t = loaded.upload([1, 2], [2]);
    expect(Array.from(await loaded.read(t))).toEqual([1, 2]);
    await loaded.close();
  });

  it('refuses an unknown option and a device other than the CPU, with what it allows', async () => {
    await expect(createBackend({ thraeds: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("no option 'thraeds'; its options are: threads, device") });
    await expect(createBackend({ device: 'webgpu' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("'auto', 'cpu'") });
    const onCpu = await createBackend({ device: 'cpu', threads: 1 });
    expect(onCpu.device.kind).toBe('cpu');
    await onCpu.close();
  });
});
