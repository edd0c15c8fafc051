import { describe, expect, it } from 'vitest';
import { closedBoundaryCases, misrefusal, openBoundaryCases } from '@bnkit/core/api-boundary';
import createBackend from '@bnkit/backend-gpu';

/* The API boundary as core defines it (@bnkit/core/api-boundary), on this backend: every case a typed refusal. */
describe('backend-gpu (gpu.js cpu mode): the API boundary refuses instead of coercing', () => {
  it('refuses malformed calls, wrong dtypes and handles of another instance', async () => {
    const [b, sibling] = [await createBackend({ device: 'cpu' }), await createBackend({ device: 'cpu' })];
    try {
      const failures: (string | undefined)[] = [];
      for (const c of openBoundaryCases(b, sibling)) failures.push(await misrefusal(c));
      expect(failures.filter(Boolean)).toEqual([]);
      expect(failures.length).toBeGreaterThan(40);
    } finally {
      await Promise.all([b.close(), sibling.close()]);
    }
  });

  it('gives BackendClosedError for every method after close()', async () => {
    const b = await createBackend({ device: 'cpu' });
    const t = b.upload([1, 2, 3, 4, 5, 6], [2, 3]);
    await b.close();
    const failures: (string | undefined)[] = [];
    for (const c of closedBoundaryCases(b, t)) failures.push(await misrefusal(c));
    expect(failures.filter(Boolean)).toEqual([]);
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
  });
});
