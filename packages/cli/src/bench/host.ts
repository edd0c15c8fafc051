import { availableParallelism, cpus } from 'node:os';

/** The host CPU as reported by the OS, e.g. "AMD EPYC 9R14, 2 cores". */
export function hostCpu(): string {
  const model = cpus()[0]?.model.trim() || 'unknown CPU';
  const n = availableParallelism();
  return `${model}, ${n} core${n === 1 ? '' : 's'}`;
}
