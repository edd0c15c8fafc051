import { createBackend } from '@bnkit/backend-ts';
import type { Backend, BackendOptions } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { runConformance, type CheckResult } from '../dist/index.js';
import { argmaxIgnoresNan, bnNanPoisonsAll, bnNanToZero, maxPoolSkipsNan, reluNanToZero } from './broken/nan-faults.js';

type Factory = (options?: BackendOptions) => Promise<Backend>;

/**
 * Check 11 alone under the training profile. Each property input draws one of 15 training ops, so 150 runs
 * reach every op several times whatever the seed.
 */
async function nanCheck(factory: Factory, seed: number): Promise<CheckResult> {
  const backend = await factory({ threads: 1 });
  try {
    const report = await runConformance({ backend, seed, numRuns: 150, profile: 'training', lenet: 'off', filter: 'nan-propagation', builtinFixtures: false });
    return report.checks.find((c) => c.id === 'nan-propagation')!;
  } finally {
    await backend.close();
  }
}

const SEEDS = [1, 7, 42];

describe('check 11 rejects backends that break the NaN semantics', () => {
  const cases: [string, Factory, RegExp][] = [
    ['BatchNorm replacing NaN inputs by 0', bnNanToZero, /train /],
    ['BatchNorm where one channel\'s NaN poisons every channel', bnNanPoisonsAll, /train y/],
    ['relu(NaN) = 0', reluNanToZero, /relu y/],
    ['max pooling that skips NaN', maxPoolSkipsNan, /maxPool2d y/],
    ['argmax that ignores NaN', argmaxIgnoresNan, /argmax index/],
  ];

  it.each(cases)('%s', async (_fault, factory, where) => {
    for (const seed of SEEDS) {
      const result = await nanCheck(factory, seed);
      expect(result.status, `seed ${seed}`).toBe('fail');
      expect(result.message, `seed ${seed}`).toMatch(where);
      expect(result.replay?.seed).toBe(seed);
      expect(result.replay?.counterexample).toBeTruthy();
    }
  });
});

describe('backend-ts', () => {
  it('passes check 11 on every seed', async () => {
    for (const seed of SEEDS) {
      const result = await nanCheck(createBackend as Factory, seed);
      expect(result.status, `seed ${seed}: ${result.message}`).toBe('pass');
      expect(result.propertyRuns).toBe(150);
    }
  });

  it('without the training kernels under --profile bn, passes with the training half skipped', async () => {
    const { default: bnOnly } = await import('./bn-only.js');
    const backend = await bnOnly({ threads: 1 });
    try {
      const report = await runConformance({ backend, seed: 3, numRuns: 50, profile: 'bn', filter: 'nan-propagation', builtinFixtures: false });
      const result = report.checks.find((c) => c.id === 'nan-propagation')!;
      expect(result.status).toBe('pass');
      expect(result.message).toMatch(/training kernels absent/);
    } finally {
      await backend.close();
    }
  });
});
