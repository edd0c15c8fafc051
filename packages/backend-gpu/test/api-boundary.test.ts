import { expect, it } from 'vitest';
import { runBoundaryCases } from '@bnkit/core/api-boundary';
import createBackend from '@bnkit/backend-gpu';

it('backend-gpu (gpu.js cpu mode) refuses every malformed call, foreign handle and use after close() with a typed error', async () => {
  const report = await runBoundaryCases(() => createBackend({ device: 'cpu' }));
  expect(report.failures).toEqual([]);
  expect(report.cases).toBeGreaterThan(60);
});
