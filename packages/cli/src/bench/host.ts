import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

/** The widest x86 vector extension the CPU reports (Linux only): virtualised models often read just "Xeon". */
function vectorExtension(): string | null {
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(' ') ?? [];
    return ['avx512f', 'avx2', 'avx', 'sse4_2'].find((f) => flags.includes(f)) ?? null;
  } catch {
    return null;
  }
}

/**
 * The host CPU as reported by the OS, e.g. "AMD EPYC 9R14, 2 cores, avx512f". Figures from different
 * machine kinds must not be compared, so every report records it.
 */
export function hostCpu(): string {
  const model = cpus()[0]?.model.trim() || 'unknown CPU';
  const n = availableParallelism();
  const ext = vectorExtension();
  return `${model}, ${n} core${n === 1 ? '' : 's'}${ext ? `, ${ext}` : ''}`;
}

/**
 * The 1-minute load average: on a machine shared with other work, a load above the core count means every
 * figure of the run (bnkit's and the anchors' alike) was measured with fewer cores than it had.
 */
export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}
