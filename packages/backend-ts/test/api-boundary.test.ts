import { expect, it } from 'vitest';
import { runBoundaryCases } from '@bnkit/core/api-boundary';
import createBackend from '../dist/index.js';

it('backend-ts refuses every malformed call, foreign handle and use after close() with a typed error', async () => {
  const report = await runBoundaryCases(() => createBackend());
  expect(report.failures).toEqual([]);
  expect(report.cases).toBeGreaterThan(60);
});
