import { describe, expect, it } from 'vitest';
import {
  DegenerateBatchError, NotImplementedKernelError, SPECIFICATION_VERSION, ShapeError,
  batchNormAttrs, checked, missingKernels, requireTraining,
  type Backend, type Shape, type Tensor,
} from '@bnkit/core';

/** A minimal backend that records which kernels reached it. */
function recordingBackend(calls: string[]): Backend {
  const handle = (shape: Shape): Tensor => ({ shape, dtype: 'float32', backend: 'rec' });
  return {
    specificationVersion: SPECIFICATION_VERSION,
    name: 'rec',
    device: { kind: 'cpu', name: 'test' },
    capabilities: ['batchNorm'],
    upload: (_d, shape) => handle(shape),
    read: async (t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)),
    reshape: (_t, shape) => handle(shape),
    dispose: () => undefined,
    memory: () => ({ tensors: 0, bytes: 0 }),
    close: async () => undefined,
    batchNormTrain: async (i) => {
      calls.push('batchNormTrain');
      return { y: i.x, runningMean: i.runningMean, runningVar: i.runningVar, mean: i.gamma, invStd: i.gamma };
    },
    batchNormTrainBackward: async (i) => ({ dx: i.x, dgamma: i.gamma, dbeta: i.gamma }),
    batchNormEval: async (i) => i.x,
    batchNormEvalBackward: async (i) => ({ dx: i.x, dgamma: i.gamma, dbeta: i.gamma }),
  };
}

describe('checked', () => {
  const calls: string[] = [];
  const b = checked(recordingBackend(calls));
  const perChannel = (c: number) => b.upload(new Float32Array(c), [c]);
  const inputs = (xShape: Shape, c: number) => ({
    x: b.upload(new Float32Array(xShape.reduce((a, d) => a * d, 1)), xShape),
    gamma: perChannel(c), beta: perChannel(c), runningMean: perChannel(c), runningVar: perChannel(c),
  });

  it('passes valid calls through to the backend', async () => {
    await b.batchNormTrain(inputs([2, 3], 3), batchNormAttrs());
    expect(calls).toEqual(['batchNormTrain']);
  });

  it('rejects invalid calls before the backend sees them', async () => {
    calls.length = 0;
    await expect(b.batchNormTrain(inputs([2, 3], 4), batchNormAttrs())).rejects.toThrow(ShapeError);
    await expect(b.batchNormTrain(inputs([1, 3], 3), batchNormAttrs())).rejects.toThrow(DegenerateBatchError);
    expect(calls).toEqual([]);
  });

  it('eval mode accepts a single sample', async () => {
    await expect(b.batchNormEval(inputs([1, 3], 3), batchNormAttrs())).resolves.toBeDefined();
  });

  it('turns a missing kernel into NotImplementedKernelError naming it', async () => {
    const x = b.upload(new Float32Array(4), [1, 4]);
    await expect(b.relu!({ x })).rejects.toThrow(NotImplementedKernelError);
    await expect(b.relu!({ x })).rejects.toThrow(/does not implement kernel 'relu'/);
    expect(missingKernels(b, 'batchNorm')).toEqual([]);
    expect(missingKernels(b, 'training')).toContain('conv2d');
    expect(() => requireTraining(b)).toThrow(NotImplementedKernelError);
  });

  it('checks uploads against their shape', () => {
    expect(() => b.upload(new Float32Array(5), [2, 3])).toThrow(/5 values do not fill shape \[2, 3\]/);
  });

  it('is idempotent', () => {
    expect(checked(b)).toBe(b);
  });
});
