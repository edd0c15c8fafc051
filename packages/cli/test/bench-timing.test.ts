import { describe, expect, it } from 'vitest';
import { MIN_REPS, median, timeInterleaved } from '../dist/bench/timing.js';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('timing', () => {
  it('takes the median', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('warms up, then alternates between contenders on every repetition and frees outside the timing', async () => {
    const calls: string[] = [];
    const [a, b] = await timeInterleaved({ warmup: 2, reps: 3 }, [
      { run: () => (calls.push('a'), 'ra'), after: (r: string) => calls.push(`free ${r}`) },
      { run: async () => (calls.push('b'), 'rb') },
    ]);
    expect(calls).toEqual(Array(5).fill(['a', 'free ra', 'b']).flat());
    expect([a.warmup, a.reps, b.warmup, b.reps]).toEqual([2, 3, 2, 3]);
    expect(a.minMs).toBeLessThanOrEqual(a.medianMs);
  });

  it('stops early once the budget is spent, after at least MIN_REPS timed runs', async () => {
    let runs = 0;
    const [t] = await timeInterleaved({ warmup: 5, reps: 50, budgetMs: 20 }, [{ run: () => (runs++, busy(10)) }]);
    // Warm-up stops after a quarter of the budget: the first 10 ms run already spends it.
    expect(t.warmup).toBe(1);
    expect(t.reps).toBe(MIN_REPS);
    expect(runs).toBe(1 + MIN_REPS);
    expect(t.medianMs).toBeGreaterThanOrEqual(10);
  });

  it('records process CPU time per run, or what an out-of-process contender measured itself', async () => {
    const [busyRun, child] = await timeInterleaved({ warmup: 0, reps: 3 }, [
      { run: () => busy(5) },
      { run: () => ({ wallMs: 40, cpuMs: 30 }), measured: (r: { wallMs: number; cpuMs: number }) => r },
    ]);
    // A busy loop on this thread is CPU time of this process.
    expect(busyRun.medianCpuMs).toBeGreaterThan(0);
    expect([child.medianMs, child.medianCpuMs, child.minMs]).toEqual([40, 30, 40]);
  });
});
