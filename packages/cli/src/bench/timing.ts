import { performance } from 'node:perf_hooks';

export interface TimingPlan {
  /** Untimed runs first, so JIT compilation, shader compilation and allocator growth are not measured. */
  readonly warmup: number;
  readonly reps: number;
}

export interface Timing {
  /** Median wall time of one run, milliseconds. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly reps: number;
  readonly warmup: number;
}

/** Something to time; `after` receives each run's result outside the timed region (to free it). */
export interface Contender<T = unknown> {
  run(): Promise<T> | T;
  // Method syntax keeps a Contender<Foo> assignable to Contender<unknown> in a mixed list.
  after?(result: T): void;
}

/**
 * Times each contender `reps` times after `warmup` untimed runs, alternating between contenders on every
 * repetition so that load from other processes on a shared machine hits all of them alike. Medians are
 * robust to the remaining scheduler noise.
 */
export async function timeInterleaved(plan: TimingPlan, contenders: readonly Contender[]): Promise<Timing[]> {
  for (let i = 0; i < plan.warmup; i++) {
    for (const c of contenders) c.after?.(await c.run());
  }
  const times = contenders.map((): number[] => []);
  for (let i = 0; i < plan.reps; i++) {
    for (const [k, c] of contenders.entries()) {
      const t0 = performance.now();
      const result = await c.run();
      times[k].push(performance.now() - t0);
      c.after?.(result);
    }
  }
  return times.map((t) => ({ medianMs: median(t), minMs: Math.min(...t), reps: plan.reps, warmup: plan.warmup }));
}

export async function timeRuns<T>(plan: TimingPlan, run: () => Promise<T> | T, after?: (result: T) => void): Promise<Timing> {
  const [timing] = await timeInterleaved(plan, [{ run, after } as Contender]);
  return timing;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
