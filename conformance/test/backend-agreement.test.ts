import { createBackend } from '@bnkit/backend-ts';
import { KERNEL_GROUPS, type Backend, type BackendOptions } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { runConformance, type ConformanceReport } from '../dist/index.js';
import createBnOnlyBackend from './bn-only.js';
import { maxPoolGradientToLastTie, reluGradientAtZero, softmaxWithoutMax } from './broken/break-training.js';
import { delegatingBackend } from './delegating-backend.js';

type Factory = (options?: BackendOptions) => Promise<Backend>;

/** Check 9 alone, with a fixed seed and exactly numRuns inputs per property. */
async function agreement(backend: Backend | string, options: { seed?: number; numRuns?: number; profile?: 'bn' | 'training'; device?: string } = {}) {
  const report: ConformanceReport = await runConformance({
    backend, filter: 'backend-agreement', builtinFixtures: false, seed: options.seed ?? 42, numRuns: options.numRuns ?? 200,
    profile: options.profile, device: options.device,
  });
  expect(report.checks.map((c) => c.id)).toEqual(['backend-agreement']);
  return report.checks[0];
}

async function withBackend<T>(factory: Factory, body: (b: Backend) => Promise<T>): Promise<T> {
  const backend = await factory({ threads: 1 });
  try {
    return await body(backend);
  } finally {
    await backend.close();
  }
}

/** The ts backend behind another object that merely copies its name. */
const namedLikeTs: Factory = async (options) => {
  const base = await createBackend(options);
  return delegatingBackend(base, {
    name: base.name, device: base.device, capabilities: base.capabilities, kernels: [...KERNEL_GROUPS.batchNorm, ...KERNEL_GROUPS.training],
  });
};

describe('check 9 backend-agreement', () => {
  it('is SKIPPED for the reference backend itself, by spec or as an instance', async () => {
    const bySpec = await agreement('ts');
    expect(bySpec.status).toBe('skip');
    expect(bySpec.message).toMatch(/reference backend itself/);
    const byInstance = await withBackend(createBackend, (b) => agreement(b));
    expect(byInstance.status).toBe('skip');
  });

  it('runs (and passes) for another backend that only shares the reference name', async () => {
    const result = await withBackend(namedLikeTs, (b) => agreement(b));
    expect(result.status).toBe('pass');
    expect(result.propertyRuns).toBe(400); // both parts, every input
  });

  it('under --profile bn gives a backend without training kernels the BatchNorm part and skips the rest', async () => {
    const result = await withBackend(createBnOnlyBackend, (b) => agreement(b));
    expect(result.status).toBe('pass');
    expect(result.propertyRuns).toBe(200);
    expect(result.message).toMatch(/training kernels skipped \(not implemented: conv2d/);
    const training = await withBackend(createBnOnlyBackend, (b) => agreement(b, { profile: 'training' }));
    expect(training.status).toBe('not-implemented');
  });

  // Each faulty training kernel with the boundary values that expose it.
  const broken: [string, Factory, RegExp][] = [
    ['max-pool gradient sent to the last tie', maxPoolGradientToLastTie, /"kernel":"maxPool2d".*"values":"(ties|zeros)"/],
    ['relu gradient 1 at x = 0', reluGradientAtZero, /"kernel":"relu".*"values":"zeros"/],
    ['softmax without the row maximum subtracted', softmaxWithoutMax, /"kernel":"softmaxCrossEntropy"/],
  ];
  it.each(broken)('fails a backend-ts with %s', async (_fault, factory, counterexample) => {
    for (const seed of [1, 2]) {
      const result = await withBackend(factory, (b) => agreement(b, { seed }));
      expect(result.status).toBe('fail');
      expect(result.message).toMatch(/^training kernels: out of tolerance/);
      expect(result.replay?.counterexample).toMatch(counterexample);
    }
  });

  // gpu compiles a kernel per new shape on lavapipe (seconds each), hence its fewer runs.
  const others: [string, string, number][] = [['gpu', 'webgpu', 20], ['tfjs', 'wasm', 40]];
  it.each(others)('passes for %s on %s', async (backend, device, numRuns) => {
    for (const seed of [1, 2]) {
      const result = await agreement(backend, { seed, numRuns, device });
      expect(result.status, result.message).toBe('pass');
      expect(result.propertyRuns).toBe(2 * numRuns);
    }
  });
});
