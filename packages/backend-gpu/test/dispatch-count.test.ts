import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sizeOf, type Shape } from '@bnkit/core';
import createBackend, { type GpuBackend } from '@bnkit/backend-gpu';
import { KernelContext } from '../dist/kernel-context.js';

/*
 * Kernel dispatches per call, counted at the one place every kernel runs through (KernelContext.run). The
 * count depends only on shapes, not on the device, so the cpu mode counts what WebGPU would dispatch.
 * The shapes are LeNet-BN's four BatchNorm inputs at batch 256 (bn1, bn2 after the convolutions, bn3, bn4
 * after the linear layers).
 */
const LENET_BN_256: readonly Shape[] = [[256, 6, 24, 24], [256, 16, 8, 8], [256, 120], [256, 84]];
const ATTRS = { axis: 1, eps: 1e-5, momentum: 0.9, runningVar: 'unbiased' as const };

describe('BatchNorm dispatches per LeNet-BN training step', () => {
  let backend: GpuBackend;
  const run = vi.spyOn(KernelContext.prototype, 'run');
  beforeAll(async () => {
    backend = await createBackend({ device: 'cpu' });
  });
  afterAll(async () => {
    run.mockRestore();
    await backend.close();
  });

  async function trainingDispatches(shape: Shape): Promise<{ forward: number; backward: number }> {
    const c = shape[1];
    const x = backend.upload(new Float32Array(sizeOf(shape)).map((_, i) => Math.sin(i)), shape);
    const dy = backend.upload(new Float32Array(sizeOf(shape)).map((_, i) => Math.cos(i)), shape);
    const perChannel = (v: number) => backend.upload(new Float32Array(c).fill(v), [c]);
    const [gamma, beta, runningMean, runningVar] = [perChannel(1), perChannel(0), perChannel(0), perChannel(1)];
    run.mockClear();
    const f = await backend.batchNormTrain({ x, gamma, beta, runningMean, runningVar }, ATTRS);
    const forward = run.mock.calls.length;
    run.mockClear();
    const g = await backend.batchNormTrainBackward({ x, dy, gamma, mean: f.mean, invStd: f.invStd }, ATTRS);
    const backward = run.mock.calls.length;
    for (const t of [x, dy, gamma, beta, runningMean, runningVar, ...Object.values(f), ...Object.values(g)]) backend.dispose(t);
    return { forward, backward };
  }

  it('forward and backward of the four layers', async () => {
    const counts = [];
    for (const shape of LENET_BN_256) counts.push(await trainingDispatches(shape));
    // Forward: r's stage one and final pass, the squared deviations' stage one, one kernel per output (y, mean,
    // invStd, runningMean, runningVar); the convolutions' channels (more than 4,096 values) add one tree pass
    // to each reduction. Backward: one stacked stage one (dbeta, dgamma and r's sums), dbeta, dgamma, the
    // packed coefficients, dx (plus one tree pass for the convolutions). Before stacking and fusing the
    // finishing steps this was 82: 12 + 11 per convolution layer, 10 + 8 per linear one.
    expect(counts).toEqual([
      { forward: 10, backward: 6 },
      { forward: 10, backward: 6 },
      { forward: 8, backward: 5 },
      { forward: 8, backward: 5 },
    ]);
    expect(counts.reduce((s, c) => s + c.forward + c.backward, 0)).toBe(58);
  });
});
