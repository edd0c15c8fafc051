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
  /** The kind of machine the target was set for ('H200'); on another one it is shown, not judged. */
  readonly machine?: string;
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

/** The widest line the text report prints: a terminal or a CI log shows it without wrapping. */
export const MAX_LINE = 120;

/**
 * How many times faster bnkit is than the anchor, whatever the row's unit (> 1: bnkit faster): the anchor's
 * time over bnkit's in ms rows, bnkit's examples/s over the anchor's in throughput rows. `ratio` is the
 * raw quotient in the row's unit (the JSON keeps it).
 */
export function speedup(ratio: number | null, unit: Unit): number | null {
  if (ratio === null || ratio <= 0) return null;
  return unit === 'ms' ? 1 / ratio : ratio;
}

/** Whether the machine that measured a row is the one a target was set for (its device names it). */
function onMachine(row: Row, machine: string): boolean {
  return row.device.toLowerCase().replace(/[^a-z0-9]/g, '').includes(machine.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** The target column: met or not, and a target set for another kind of machine is labelled as such, not judged. */
function formatMet(row: Row): string {
  const { targets } = row;
  if (targets.length === 0) return '-';
  const elsewhere = targets.find((t) => t.machine !== undefined && !onMachine(row, t.machine));
  if (elsewhere) return `target on ${elsewhere.machine}`;
  if (targets.some((t) => t.met === null)) return 'n/a';
  return targets.every((t) => t.met) ? 'met' : 'NO';
}

/** `s` cut at a word boundary to at most `max` characters, marked with '…' when cut (the JSON keeps it whole). */
export function clipWords(s: string, max: number): string {
  if (s.length <= max) return s;
  const room = s.slice(0, max - 1);
  const cut = room.lastIndexOf(' ');
  return `${(cut > 0 ? room.slice(0, cut) : room).replace(/[\s,;:(]+$/, '')}…`;
}

/**
 * Columns padded to their contents and joined by two spaces; while a line would pass MAX_LINE, the widest
 * clippable column gives way, cut at a word boundary.
 */
function table(header: readonly string[], rows: readonly string[][], clippable: readonly number[]): string[] {
  const body = rows.map((r) => [...r]);
  const widthOf = (i: number): number => Math.max(header[i].length, ...body.map((r) => r[i].length));
  const total = (): number => header.reduce((sum, _, i) => sum + widthOf(i), 0) + 2 * (header.length - 1);
  while (total() > MAX_LINE) {
    const widest = [...clippable].sort((x, y) => widthOf(y) - widthOf(x))[0];
    const target = widthOf(widest) - (total() - MAX_LINE);
    const floor = Math.max(header[widest].length, 12);
    if (widthOf(widest) <= floor) break;
    for (const r of body) r[widest] = clipWords(r[widest], Math.max(target, floor));
  }
  const widths = header.map((_, i) => widthOf(i));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

function formatValue(f: Figure): string {
  return `${formatNumber(f.value)} ${f.unit === 'examples/s' ? 'ex/s' : f.unit}`;
}

const times = (r: number | null): string => (r === null ? '-' : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`);

/**
 * LeNet-BN training, the comparison users ask for first: every bnkit backend and every stock TensorFlow.js
 * trainer measured in this run, fastest first, each also relative to bnkit's ts backend.
 */
function trainingComparison(report: BenchReport): string[] {
  const lenet = report.rows.filter((r) => r.what.startsWith('LeNet-BN train'));
  const entries = new Map<string, { who: string; device: string; figure: Figure }>();
  for (const r of lenet) {
    const mine = figureOf(r.bnkit);
    if (mine && !entries.has(`bnkit ${r.backend}`)) entries.set(`bnkit ${r.backend}`, { who: `bnkit ${r.backend}`, device: r.device, figure: mine });
    const theirs = figureOf(r.anchor);
    if (theirs && !entries.has(r.anchor.name)) entries.set(r.anchor.name, { who: r.anchor.name, device: r.anchor.device, figure: theirs });
  }
  if (entries.size === 0) return [];
  const list = [...entries.values()].sort((x, y) => y.figure.value - x.figure.value);
  const ts = entries.get('bnkit ts')?.figure;
  const rows = list.map((e) => [
    e.who, e.device, formatNumber(e.figure.value), formatNumber(e.figure.cpu.value), ts ? times(e.figure.value / ts.value) : '-', ts ? times(e.figure.cpu.value / ts.cpu.value) : '-',
  ]);
  return [
    `LeNet-BN training, batch ${report.batch}: bnkit's backends and stock TensorFlow.js, fastest first`,
    ...table(['trainer', 'device', 'ex/s', 'ex/CPU-s', '× bnkit ts', 'per CPU-s'], rows, [1]),
  ];
}

/**
 * The text report: one table of every comparison — bnkit's figure, the anchor's, and how many times faster
 * bnkit is (wall and per CPU-second) — then the LeNet-BN comparison of all trainers, then each row's full
 * figures, targets and notes. No line is wider than MAX_LINE.
 */
export function formatTable(report: BenchReport): string {
  const body = report.rows.map((r) => {
    const mine = figureOf(r.bnkit);
    const unit = mine?.unit ?? figureOf(r.anchor)?.unit ?? 'ms';
    const theirs = figureOf(r.anchor);
    return [
      r.what,
      r.backend,
      mine ? formatValue(mine) : 'unavailable',
      r.anchor.name,
      theirs ? formatValue(theirs) : 'unavailable',
      times(speedup(r.ratio, unit)),
      times(speedup(r.cpuRatio, unit)),
      formatMet(r),
    ];
  });
  const out = [
    'speed = how many times faster bnkit is than the anchor (> 1× faster, < 1× slower); per CPU-s: the same per CPU-second',
    ...table(['what', 'backend', 'bnkit', 'anchor', 'anchor figure', 'speed', 'per CPU-s', 'target'], body, [3, 0]),
  ];
  const comparison = trainingComparison(report);
  if (comparison.length > 0) out.push('', ...comparison);
  out.push('', 'figures (wall, per CPU-second, rate), devices, targets:');
  for (const r of report.rows) {
    out.push(clipWords(`  ${r.what}, ${r.backend}:`, MAX_LINE));
    out.push(clipWords(`    bnkit (${r.device}): ${formatOutcome(r.bnkit)}`, MAX_LINE));
    out.push(clipWords(`    ${r.anchor.name} (${r.anchor.device}): ${formatOutcome(r.anchor)}`, MAX_LINE));
    for (const t of r.targets) {
      const verdict = t.machine !== undefined && !onMachine(r, t.machine) ? `set for ${t.machine}, not judged here` : t.met === null ? 'n/a' : t.met ? 'met' : 'NO';
      out.push(clipWords(`    target ${t.description}: ${verdict}`, MAX_LINE));
    }
  }
  // Reasons and notes are given whole, wrapped at word boundaries.
  const reasons = report.rows.flatMap((r) => [
    ...('unavailable' in r.bnkit ? [`bnkit ${r.backend} unavailable: ${r.bnkit.unavailable}`] : []),
    ...('unavailable' in r.anchor ? [`${r.anchor.name} unavailable: ${r.anchor.unavailable}`] : []),
  ]);
  const notes = [...new Set(reasons), ...report.rows.flatMap((r) => r.notes.map((n) => `${r.backend}, ${r.what}: ${n}`))];
  if (notes.length > 0) out.push('', 'notes:', ...notes.flatMap((n) => wrap(n, '  ')));
  if (report.skipped.length > 0) {
    out.push('', 'skipped backends:', ...report.skipped.flatMap((s) => wrap(`${s.backend}: ${s.reason}`, '  ')));
  }
  return out.join('\n');
}

/** `text` as lines of at most MAX_LINE, broken at spaces, each starting with `indent` (continuations deeper). */
export function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let current = indent;
  for (const word of text.split(/\s+/)) {
    if (current.trim() !== '' && current.length + 1 + word.length > MAX_LINE) {
      lines.push(current);
      current = `${indent}  ${word}`;
    } else {
      current = current.trim() === '' ? `${current}${word}` : `${current} ${word}`;
    }
  }
  if (current.trim() !== '') lines.push(current);
  return lines;
}

export function formatPreamble(report: BenchReport): string {
  const macs = Object.entries(report.flops.macsPerLayer).map(([n, m]) => `${n} ${m.toLocaleString('en-US')}`).join(', ');
  return [
    `bnkit bench (${report.quick ? 'quick: few repetitions, figures are rough' : 'medians after warm-up'}), ${report.date}`,
    `host: ${report.host}; Node ${report.node}; load average ${report.loadAverage.start} at start, ${report.loadAverage.end} at end`,
    `LeNet-BN: ${(report.flops.training / 1e6).toFixed(3)} MFLOP per training example ` +
      `(3 × forward ${(report.flops.forward / 1e6).toFixed(3)} MFLOP; multiply-adds per layer: ${macs}); batch ${report.batch}`,
    'ms: median per call; GB/s: each full-size tensor a kernel reads or writes counted once',
    'CPU: user + system time of the whole process over all its threads (ex/CPU-s: examples per CPU-second; ' +
      'CPU ms: per call); per CPU-s compares per CPU-second, the fair comparison on a shared machine',
  ].flatMap((l) => wrap(l, '')).join('\n');
}
