import { performance } from 'node:perf_hooks';
import { cpuUsage } from 'node:process';

export interface TimingPlan {
  /** Untimed runs first, so JIT compilation, shader compilation and allocator growth are not measured. */
  readonly warmup: number;
  /** Timed runs, at most. */
  readonly reps: number;
  /**
   * Wall-time allowance of the timed runs: once spent (and MIN_REPS done) timing stops early, and warm-up
   * stops after a quarter of it. Keeps a backend 100× slower than expected from stalling the whole run.
   */
  readonly budgetMs?: number;
}

/** Fewest timed runs a median is taken from when a budget cuts repetitions short. */
export const MIN_REPS = 3;

export interface Timing {
  /** Median wall time of one run, milliseconds. */
  readonly medianMs: number;
  /**
   * Median CPU time of one run, milliseconds: user + system time of the whole process, every thread
   * (worker threads, OpenMP threads) included. On a shared machine this is the fair measure of work: it does
   * not grow while the process waits for a core, and a parallel run pays for every core it keeps busy.
   */
  readonly medianCpuMs: number;
  readonly minMs: number;
  readonly reps: number;
  readonly warmup: number;
}

/** Something to time; `after` receives each run's result outside the timed region (to free it). */
export interface Contender<T = unknown> {
  run(): Promise<T> | T;
  // Method syntax keeps a Contender<Foo> assignable to Contender<unknown> in a mixed list.
  after?(result: T): void;
  /**
   * For work done in another process (a Python anchor): the wall and CPU time that process measured for
   * the run, which replace this process's own figures (its CPU time would miss the child's work).
   */
  measured?(result: T): RunTime;
}

export interface RunTime {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/**
 * Times each contender up to `reps` times after up to `warmup` untimed runs, alternating between
 * contenders on every repetition so that load from other processes on a shared machine hits all of them
 * alike. Medians are robust to the remaining scheduler noise. `reps` in the result is what actually ran.
 */
export async function timeInterleaved(plan: TimingPlan, contenders: readonly Contender[]): Promise<Timing[]> {
  const budget = plan.budgetMs ?? Infinity;
  const times = contenders.map((): number[] => []);
  const cpuTimes = contenders.map((): number[] => []);
  /** Runs every contender once; returns the round's wall time. */
  const round = async (record: boolean): Promise<number> => {
    let total = 0;
    for (const [k, c] of contenders.entries()) {
      const c0 = cpuUsage();
      const t0 = performance.now();
      const result = await c.run();
      const own = { wallMs: performance.now() - t0, cpuMs: cpuMsSince(c0) };
      const { wallMs, cpuMs } = c.measured?.(result) ?? own;
      total += wallMs;
      if (record) {
        times[k].push(wallMs);
        cpuTimes[k].push(cpuMs);
      }
      c.after?.(result);
    }
    return total;
  };
  let warmup = 0;
  for (let spent = 0; warmup < plan.warmup && (warmup === 0 || spent < budget / 4); warmup++) spent += await round(false);
  const minReps = Math.min(MIN_REPS, plan.reps);
  for (let i = 0, spent = 0; i < plan.reps && (i < minReps || spent < budget); i++) spent += await round(true);
  return times.map((t, k) => ({ medianMs: median(t), medianCpuMs: median(cpuTimes[k]), minMs: Math.min(...t), reps: t.length, warmup }));
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
