import type { Backend, BackendOptions } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { CHECKS, runConformance } from '../dist/index.js';
import { PLANTED_FAULTS } from './broken/planted.js';

type Factory = (options?: BackendOptions) => Promise<Backend>;

/** Every planted fault must be caught on each of these seeds, not on a lucky one. */
const SEEDS = [1, 2, 3, 4, 5];

describe('each planted fault is rejected by the check meant for it, on every seed', () => {
  const cases = PLANTED_FAULTS.map((f) => [f.fault, f.check, f.numRuns, f.create as Factory] as const);

  it.each(cases)('%s → %s', async (_fault, id, numRuns, create) => {
    const check = CHECKS.find((c) => c.id === id)!;
    expect(check).toBeDefined();
    for (const seed of SEEDS) {
      // A fresh backend per seed: some faults keep state between calls, and a verdict must not depend on the seed before.
      const backend = await create({ threads: 1 });
      try {
        const report = await runConformance({ backend, checks: [check], seed, numRuns, profile: 'training', lenet: 'off' });
        const result = report.checks.find((c) => c.id === id)!;
        expect({ seed, status: result.status }, result.message).toEqual({ seed, status: 'fail' });
      } finally {
        await backend.close();
      }
    }
  });
});

describe('the correct backend', () => {
  it('passes each of those checks on the same seeds and run counts', async () => {
    const runs = new Map<string, number>();
    for (const f of PLANTED_FAULTS) runs.set(f.check, Math.max(runs.get(f.check) ?? 0, f.numRuns));
    const { createBackend: createTs } = await import('@bnkit/backend-ts');
    // backend-ts behind a delegating wrapper: a correct backend that is not the reference object itself, so
    // check 9 compares rather than skips.
    const { delegatingBackend } = await import('./delegating-backend.js');
    const { KERNEL_GROUPS } = await import('@bnkit/core');
    const createBackend = async (options: BackendOptions) => {
      const base = await createTs(options);
      return delegatingBackend(base, { name: 'ts-lookalike', device: base.device, capabilities: base.capabilities, kernels: [...KERNEL_GROUPS.batchNorm, ...KERNEL_GROUPS.training] }) as Backend;
    };
    for (const [id, numRuns] of runs) {
      for (const seed of SEEDS) {
        const backend = await createBackend({ threads: 1 });
        try {
          const report = await runConformance({ backend, checks: [CHECKS.find((c) => c.id === id)!], seed, numRuns, profile: 'training', lenet: 'off' });
          expect({ id, seed, status: report.checks[0].status }, report.checks[0].message).toEqual({ id, seed, status: 'pass' });
        } finally {
          await backend.close();
        }
      }
    }
  });
});
