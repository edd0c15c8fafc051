import { createBackend } from '@bnkit/backend-ts';
import type { Backend, BackendOptions } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { runConformance, type ConformanceReport } from '../dist/index.js';
import epsOutsideSqrt from './broken/eps-outside-sqrt.js';
import estimatorSwapped from './broken/estimator-swapped.js';
import evalBatchStatistics from './broken/eval-batch-statistics.js';
import float32OnePass from './broken/float32-one-pass.js';
import missingXhatTerm from './broken/missing-xhat-term.js';
import momentumFlipped from './broken/momentum-flipped.js';
import wrongAxis from './broken/wrong-axis.js';

type Factory = (options?: BackendOptions) => Promise<Backend>;

/** A fixed seed keeps the suite's own tests reproducible; 20 runs per property keeps them quick. */
async function conformance(factory: Factory): Promise<ConformanceReport> {
  const backend = await factory({ threads: 1 });
  try {
    return await runConformance({ backend, seed: 42, numRuns: 20 });
  } finally {
    await backend.close();
  }
}

const failing = (r: ConformanceReport) => r.checks.filter((c) => c.status === 'fail').map((c) => c.id);
const failingFixtures = (r: ConformanceReport) => r.checks.flatMap((c) => c.cases ?? []).filter((c) => c.status === 'fail').map((c) => c.id);

describe('the suite rejects deliberately broken backends', () => {
  // Each fault with the check that exists to catch it (others may fail too).
  const cases: [string, string, Factory][] = [
    ['momentum as the weight of the new value', 'momentum', momentumFlipped],
    ['unbiased and biased running variance swapped', 'momentum', estimatorSwapped],
    ['statistics over axis 1 whatever the axis', 'axis-handling', wrongAxis],
    ['eps added outside the square root', 'zero-mean-unit-variance', epsOutsideSqrt],
    ['eval mode normalising with batch statistics', 'eval-determinism', evalBatchStatistics],
    ['one-pass E[x²] − E[x]² variance in float32', 'golden-fixtures', float32OnePass],
    ['input gradient without the xhat·Σ(dy·xhat) term', 'gradients', missingXhatTerm],
  ];

  it.each(cases)('%s → %s fails', async (_fault, check, factory) => {
    const report = await conformance(factory);
    expect(report.ok).toBe(false);
    expect(failing(report)).toContain(check);
    const failed = report.checks.find((c) => c.id === check)!;
    if (failed.propertyRuns > 0) {
      // A property failure says how to replay it.
      expect(failed.replay?.seed).toBe(42);
      expect(failed.replay?.counterexample).toBeTruthy();
      expect(failed.worst!.ratio).toBeGreaterThan(1);
    }
  });

  it('the large-offset fixture is what exposes one-pass float32 variance', async () => {
    expect(failingFixtures(await conformance(float32OnePass))).toContain('batchNorm/train-large-offset-1e3');
  });

  it('the swapped estimator fails the biased and unbiased fixtures by id', async () => {
    const ids = failingFixtures(await conformance(estimatorSwapped));
    expect(ids).toContain('batchNorm/train-nc-2x84-biased');
    expect(ids).toContain('batchNorm/train-nchw-4x3x5x5');
  });
});

describe('the correct backend', () => {
  it('passes every check', async () => {
    const report = await conformance(createBackend as Factory);
    expect(report.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts.fixtures.passed).toBeGreaterThanOrEqual(30);
    expect(report.counts.propertyRuns).toBeGreaterThanOrEqual(7 * 20);
  });

  it('replays a seed to the same verdicts and worst errors', async () => {
    const a = await conformance(createBackend as Factory);
    const b = await conformance(createBackend as Factory);
    expect(b.checks.map((c) => [c.id, c.status, c.worst?.where])).toEqual(a.checks.map((c) => [c.id, c.status, c.worst?.where]));
  });
});
