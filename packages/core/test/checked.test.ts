import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DegenerateBatchError, NotImplementedKernelError, SPECIFICATION_VERSION, ShapeError, UnknownBackendError,
  batchNormAttrs, checked, loadBackend, missingKernels, requireTraining,
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

describe('loadBackend', () => {
  it('names the available backends for an unknown name', async () => {
    await expect(loadBackend('no-such-backend-xyz')).rejects.toThrow(UnknownBackendError);
    await expect(loadBackend('no-such-backend-xyz')).rejects.toThrow(/ts, gpu, tfjs/);
  });

  it('rejects a file that does not export a backend factory', async () => {
    await expect(loadBackend(new URL('./fixtures/not-a-backend.mjs', import.meta.url).pathname)).rejects.toThrow(/no default export/);
  });

  it('loads a package whose exports map has only an import condition, from the caller\'s location', async () => {
    const app = mkdtempSync(join(tmpdir(), 'bnkit-load-'));
    const pkg = join(app, 'node_modules', 'esm-only-backend');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'esm-only-backend', type: 'module', exports: { '.': { import: './main.js' } } }));
    writeFileSync(
      join(pkg, 'main.js'),
      `export default () => ({ specificationVersion: 'bnkit-backend/1', name: 'esm-only', device: { kind: 'cpu', name: 'test' },
        capabilities: [], upload: () => undefined, read: async () => new Float32Array(0), reshape: (t) => t,
        dispose: () => undefined, memory: () => ({ tensors: 0, bytes: 0 }), close: async () => undefined });`,
    );
    const backend = await loadBackend('esm-only-backend', {}, pathToFileURL(join(app, 'app.js')).href);
    expect(backend.name).toBe('esm-only');
  });
});
