import type { FlopCount } from './flops.js';
import type { StepWork } from './step-work.js';
import type { Timing } from './timing.js';

export type Unit = 'ms' | 'examples/s';

/** One measured figure: the headline value (median), a derived rate, and how it was timed. */
export interface Figure {
  readonly value: number;
  readonly unit: Unit;
  /** Bandwidth (GB/s) for kernels, compute rate (GFLOP/s) for training. */
  readonly rate: { readonly value: number; readonly unit: 'GB/s' | 'GFLOP/s' };
  /**
   * The same median per CPU-second of the whole process (all its threads): examples per CPU-second, or CPU
   * milliseconds per call. Comparable on a shared machine, where wall time depends on the neighbours' load.
   */
  readonly cpu: { readonly value: number; readonly unit: 'ex/CPU-s' | 'CPU ms' };
  readonly timing: Timing;
}

/** A figure, or why there is none (a kernel the backend lacks, a framework that cannot train). */
export type Outcome = { readonly figure: Figure } | { readonly unavailable: string };

export interface Target {
  readonly description: string;
  /** null when the figures it needs are missing. */
  readonly met: boolean | null;
}

export interface Row {
  readonly what: string;
  /** bnkit backend row label: 'ts', 'gpu', 'tfjs:wasm'... */
  readonly backend: string;
  /** The device the bnkit backend reports it runs on. */
  readonly device: string;
  readonly bnkit: Outcome;
  readonly anchor: { readonly name: string; readonly device: string } & Outcome;
  /** bnkit value / anchor value, in the row's unit (ms: lower is better; examples/s: higher is better). */
  readonly ratio: number | null;
  /** The same ratio per CPU-second (CPU ms per call, examples per CPU-second). */
  readonly cpuRatio: number | null;
  readonly targets: readonly Target[];
  readonly notes: readonly string[];
  /** LeNet rows of backends on a WebGPU device: what one timed step asked of it (step-work.ts). */
  readonly work?: StepWork;
}

export interface SkippedBackend {
  readonly backend: string;
  readonly reason: string;
}

export interface BenchReport {
  readonly format: 'bnkit-bench/1';
  readonly date: string;
  readonly node: string;
  readonly host: string;
  /** 1-minute load average when the run started and ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly quick: boolean;
  readonly steps: number;
  readonly batch: number;
  readonly flops: FlopCount;
  readonly rows: readonly Row[];
  readonly skipped: readonly SkippedBackend[];
}

export function figureOf(o: Outcome): Figure | null {
  return 'figure' in o ? o.figure : null;
}

export function ratioOf(bnkit: Outcome, anchor: Outcome): number | null {
  const a = figureOf(bnkit);
  const b = figureOf(anchor);
  return a && b && b.value > 0 ? a.value / b.value : null;
}

export function cpuRatioOf(bnkit: Outcome, anchor: Outcome): number | null {
  const a = figureOf(bnkit);
  const b = figureOf(anchor);
  return a && b && b.cpu.value > 0 ? a.cpu.value / b.cpu.value : null;
}

function formatNumber(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

export function formatOutcome(o: Outcome): string {
  if ('unavailable' in o) return `unavailable: ${o.unavailable}`;
  const f = o.figure;
  const unit = f.unit === 'examples/s' ? 'ex/s' : f.unit;
  return `${formatNumber(f.value)} ${unit}, ${formatNumber(f.cpu.value)} ${f.cpu.unit} (${formatNumber(f.rate.value)} ${f.rate.unit})`;
}

function formatMet(targets: readonly Target[]): string {
  if (targets.length === 0) return '-';
  if (targets.some((t) => t.met === null)) return 'n/a';
  return targets.every((t) => t.met) ? 'yes' : 'NO';
}

/** Long reasons would wreck the table; the JSON keeps them whole. */
function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** A plain-text table, one row per comparison, columns sized to their contents. */
export function formatTable(report: BenchReport): string {
  const header = ['what', 'backend (device)', 'bnkit', 'anchor (device)', 'anchor figure', 'ratio', 'CPU ratio', 'target', 'met?'];
  const times = (r: number | null): string => (r === null ? '-' : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`);
  const body = report.rows.map((r) => [
    r.what,
    `${r.backend} (${r.device})`,
    clip(formatOutcome(r.bnkit), 60),
    clip(`${r.anchor.name} (${r.anchor.device})`, 60),
    clip(formatOutcome(r.anchor), 60),
    times(r.ratio),
    times(r.cpuRatio),
    r.targets.map((t) => t.description).join('; ') || '-',
    formatMet(r.targets),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)];
  // Reasons are clipped in the table; the notes give them whole (once per distinct reason).
  const reasons = report.rows.flatMap((r) => [
    ...('unavailable' in r.bnkit ? [`bnkit ${r.backend} unavailable: ${r.bnkit.unavailable}`] : []),
    ...('unavailable' in r.anchor ? [`${r.anchor.name} unavailable: ${r.anchor.unavailable}`] : []),
  ]);
  const notes = [
    ...new Set(reasons.map((n) => `  ${n}`)),
    ...report.rows.flatMap((r) => r.notes.map((n) => `  ${r.backend}, ${r.what}: ${n}`)),
  ];
  if (notes.length > 0) out.push('', 'notes:', ...notes);
  if (report.skipped.length > 0) {
    out.push('', 'skipped backends:', ...report.skipped.map((s) => `  ${s.backend}: ${s.reason}`));
  }
  return out.join('\n');
}

export function formatPreamble(report: BenchReport): string {
  const macs = Object.entries(report.flops.macsPerLayer).map(([n, m]) => `${n} ${m.toLocaleString('en-US')}`).join(', ');
  return [
    `bnkit bench (${report.quick ? 'quick: few repetitions, figures are rough' : 'medians after warm-up'}), ${report.date}`,
    `host: ${report.host}; Node ${report.node}; load average ${report.loadAverage.start} at start, ${report.loadAverage.end} at end`,
    `LeNet-BN: ${(report.flops.training / 1e6).toFixed(3)} MFLOP per training example ` +
      `(3 × forward ${(report.flops.forward / 1e6).toFixed(3)} MFLOP; multiply-adds per layer: ${macs}); batch ${report.batch}`,
    'ms: median per call; GB/s: each full-size tensor a kernel reads or writes counted once; ' +
      'ratio = bnkit ÷ anchor in the row\'s unit (ms: lower is better, ex/s: higher is better)',
    'CPU: user + system time of the whole process over all its threads (ex/CPU-s: examples per CPU-second; ' +
      'CPU ms: per call); CPU ratio is the same ratio per CPU-second, the fair one on a shared machine',
  ].join('\n');
}
