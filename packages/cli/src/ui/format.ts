/** Seconds as m:ss or h:mm:ss; '--:--' while unknown (no progress yet). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Units (examples) per second: thousands separated above 100, one decimal below (a slow backend still reads). */
export function formatRate(examplesPerSecond: number, unit = 'ex'): string {
  if (!Number.isFinite(examplesPerSecond) || examplesPerSecond < 0) return `-- ${unit}/s`;
  const value =
    examplesPerSecond >= 100
      ? Math.round(examplesPerSecond).toLocaleString('en-US')
      : examplesPerSecond.toFixed(1);
  return `${value} ${unit}/s`;
}

/** Seconds left at the average rate so far; Infinity before any progress. */
export function estimateRemaining(done: number, total: number, elapsedSeconds: number): number {
  if (done <= 0 || elapsedSeconds <= 0) return done >= total ? 0 : Infinity;
  return Math.max(0, ((total - done) * elapsedSeconds) / done);
}

/** An integer with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
