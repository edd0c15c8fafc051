import { describe, expect, it } from 'vitest';
import { runConformance } from '../dist/index.js';
import createBnOnlyBackend from './bn-only.js';

async function run(profile: 'bn' | 'training') {
  const backend = await createBnOnlyBackend({ threads: 1 });
  try {
    return await runConformance({ backend, profile, lenet: 'off', seed: 7, numRuns: 5 });
  } finally {
    await backend.close();
  }
}

const fixtureStatus = (r: Awaited<ReturnType<typeof run>>, id: string) =>
  r.checks.flatMap((c) => c.cases ?? []).find((c) => c.id === id);

describe('profiles decide whether a missing kernel fails', () => {
  it('bn: training-op fixtures are skipped as not implemented, and the backend conforms', async () => {
    const r = await run('bn');
    expect(fixtureStatus(r, 'conv2d/stride2-pad1-4x3x7x7-k3')).toMatchObject({ status: 'skip', message: 'not implemented: conv2d' });
    expect(fixtureStatus(r, 'batchNorm/train-nchw-4x3x5x5')?.status).toBe('pass');
    expect(r.ok).toBe(true);
  });

  it('training: the same fixtures are NOT IMPLEMENTED, by kernel name, and the run fails', async () => {
    const r = await run('training');
    expect(fixtureStatus(r, 'conv2d/stride2-pad1-4x3x7x7-k3')).toMatchObject({ status: 'not-implemented', message: 'not implemented: conv2d' });
    expect(fixtureStatus(r, 'softmaxCrossEntropy/8x10')).toMatchObject({ status: 'not-implemented', message: 'not implemented: softmaxCrossEntropy' });
    expect(r.checks.find((c) => c.id === 'golden-fixtures')?.status).toBe('not-implemented');
    expect(r.ok).toBe(false);
  });

  it('--lenet needs the training profile', async () => {
    await expect(runConformance({ backend: 'ts', profile: 'bn', lenet: 'quick' })).rejects.toThrow(/--lenet quick needs --profile training/);
  });
});
