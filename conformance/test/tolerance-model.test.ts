import { describe, expect, it } from 'vitest';
import { runConformance, type ConformanceReport } from '../dist/index.js';
import createYardstick from './yardstick/float32-backend.js';
import float32OnePass from './broken/float32-one-pass.js';

/*
 * The tolerance model's two promises (docs/tolerance.md): a careful float32 implementation — the yardstick,
 * refining the saved mean or not — passes every check using at most half of every tolerance, property and
 * fixture alike; and a realistic fault still fails by a wide margin.
 */

const SEEDS = [1, 2, 3];
const RUNS = 150;

async function yardstickReport(refineMean: boolean, seed: number): Promise<ConformanceReport> {
  const backend = await createYardstick({ refineMean });
  try {
    return await runConformance({ backend, profile: 'training', lenet: 'off', seed, numRuns: RUNS });
  } finally {
    await backend.close();
  }
}

/** Every measured share of a tolerance in the report, by where it was measured. */
function shares(r: ConformanceReport): [string, number][] {
  return r.checks.flatMap((c) => [
    ...(c.worst ? [[`${c.id}: ${c.worst.where}`, c.worst.ratio] as [string, number]] : []),
    ...(c.cases ?? []).flatMap((k) => (k.worst ? [[`${k.id}: ${k.worst.where}`, k.worst.ratio] as [string, number]] : [])),
  ]);
}

describe('the float32 yardstick', () => {
  for (const refineMean of [false, true]) {
    it.each(SEEDS)(`${refineMean ? 'refining' : 'using'} the saved mean is conformant with at most half of every tolerance (seed %i)`, async (seed) => {
      const report = await yardstickReport(refineMean, seed);
      expect(report.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip').map((c) => [c.id, c.message])).toEqual([]);
      expect(report.ok).toBe(true);
      const over = shares(report).filter(([, ratio]) => ratio > 0.5);
      expect(over).toEqual([]);
    });
  }
});

describe('a realistic fault under the same tolerances', () => {
  it('one-pass float32 variance misses the large-offset fixture by more than 100×', async () => {
    const backend = await float32OnePass({ threads: 1 });
    try {
      const report = await runConformance({ backend, seed: 1, numRuns: 1, filter: 'batchNorm/train-large-offset-1e3' });
      const fixture = report.checks.flatMap((c) => c.cases ?? []).find((k) => k.id === 'batchNorm/train-large-offset-1e3')!;
      expect(fixture.status).toBe('fail');
      expect(fixture.worst!.ratio).toBeGreaterThan(100);
    } finally {
      await backend.close();
    }
  });
});
