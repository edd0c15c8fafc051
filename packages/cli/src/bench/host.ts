import { availableParallelism, cpus, loadavg } from 'node:os';

/** The host CPU as reported by the OS, e.g. "AMD EPYC 9R14, 2 cores". */
export function hostCpu(): string {
  const model = cpus()[0]?.model.trim() || 'unknown CPU';
  const n = availableParallelism();
  return `${model}, ${n} core${n === 1 ? '' : 's'}`;
}

/**
 * The 1-minute load average: on a machine shared with other work, a load above the core count means every
 * figure of the run (bnkit's and the anchors' alike) was measured with fewer cores than it had.
 */
export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}
