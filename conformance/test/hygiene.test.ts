import { createBackend } from '@bnkit/backend-ts';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/index.js';
import { hygieneViolation } from '../src/hygiene.js';

describe('resource hygiene', () => {
  it('in process too: a backend leaking tensors per call fails the check that leaked, saying how much', async () => {
    const base = await createBackend();
    // Two tensors per training call that nobody is handed, so nobody can dispose them.
    const leaky = Object.create(base, {
      batchNormTrain: {
        value: (inputs: Parameters<typeof base.batchNormTrain>[0], attrs: Parameters<typeof base.batchNormTrain>[1]) => {
          base.upload(new Float32Array(3), [3]);
          base.upload(new Float32Array(1), [1]);
          return base.batchNormTrain(inputs, attrs);
        },
      },
    });
    try {
      const report = await runConformance({ backend: leaky, seed: 1, numRuns: 5, filter: 'zero-mean', builtinFixtures: false });
      const check = report.checks.find((c) => c.id === 'zero-mean-unit-variance');
      expect(check?.status).toBe('fail');
      const calls = base.memory().tensors / 2;
      expect(calls).toBeGreaterThan(0);
      expect(check?.message).toContain(`resource hygiene: +${2 * calls} live tensors and +${16 * calls} bytes after the check than before it`);
      expect(report.ok).toBe(false);
    } finally {
      await base.close();
    }
  });

  it('judges the counts memory() reports, before against after', () => {
    const at = (tensors: number, bytes: number) => ({ ok: true as const, memory: { tensors, bytes } });
    expect(hygieneViolation(at(3, 12), at(3, 12))).toBeUndefined();
    expect(hygieneViolation(at(3, 12), at(4, 28))).toMatch(/^resource hygiene: \+1 live tensors and \+16 bytes .*leaked them$/);
    expect(hygieneViolation(at(3, 12), at(2, 8))).toMatch(/-1 live tensors and -4 bytes .*freed handles it had not been asked to$/);
    expect(hygieneViolation({ ok: false, why: 'memory() threw Error: x' }, at(0, 0))).toBe('resource hygiene: before the check, memory() threw Error: x');
  });
});
