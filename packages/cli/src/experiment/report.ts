import { trainingPlotSvg } from '../ui/plot.js';
import type { RunResult } from './results.js';

/** One row of the comparison: the last epoch's numbers, the best test accuracy, the time. */
interface Row {
  readonly label: string;
  readonly lr: number;
  readonly loss: number;
  readonly trainAcc: number;
  readonly testAcc: number | null;
  readonly bestTestAcc: number | null;
  readonly seconds: number;
  readonly examplesPerSecond: number;
}

const HEADERS = ['configuration', 'lr', 'final loss', 'train acc', 'test acc', 'best test acc', 'seconds', 'examples/s'] as const;

function rowOf(r: RunResult): Row {
  const last = r.history[r.history.length - 1];
  const tested = r.history.flatMap((e) => (e.testAcc === null ? [] : [e.testAcc]));
  return {
    label: r.config.label,
    lr: r.config.lr,
    loss: last.loss,
    trainAcc: last.trainAcc,
    testAcc: last.testAcc,
    bestTestAcc: tested.length ? Math.max(...tested) : null,
    seconds: r.history.reduce((s, e) => s + e.seconds, 0),
    examplesPerSecond: r.examplesPerSecond,
  };
}

/** The cells of a row as text, in HEADERS' order; a diverged loss reads NaN. */
function cells(row: Row): string[] {
  const acc = (v: number | null): string => (v === null ? '-' : v.toFixed(4));
  return [row.label, String(row.lr), row.loss.toFixed(4), acc(row.trainAcc), acc(row.testAcc), acc(row.bestTestAcc), row.seconds.toFixed(1), Math.round(row.examplesPerSecond).toString()];
}

/** The comparison for a terminal: columns padded to their widest cell, the label left-aligned. */
export function comparisonText(results: readonly RunResult[]): string {
  const table = [[...HEADERS], ...results.map((r) => cells(rowOf(r)))];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export function comparisonMarkdown(results: readonly RunResult[]): string {
  const line = (row: readonly string[]): string => `| ${row.join(' | ')} |`;
  return [line(HEADERS), line(HEADERS.map((_, i) => (i === 0 ? '---' : '---:'))), ...results.map((r) => line(cells(rowOf(r))))].join('\n');
}

/** RFC 4180: a cell with a comma, quote or newline is quoted, its quotes doubled. */
const csvCell = (c: string): string => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

export function comparisonCsv(results: readonly RunResult[]): string {
  return [HEADERS, ...results.map((r) => cells(rowOf(r)))].map((row) => row.map(csvCell).join(',')).join('\n');
}

const PANEL = { width: 360, height: 260, columns: 4, title: 40 };

/**
 * One SVG with a d2l training figure (loss / train acc / test acc per epoch) per configuration, on a grid.
 * Each panel is the `pnpm train` plot itself, nested as an <svg> element placed by x/y, so both commands
 * draw with the one plotter.
 */
export function comparisonSvg(results: readonly RunResult[], title: string): string {
  const columns = Math.min(PANEL.columns, Math.max(1, results.length));
  const rows = Math.ceil(results.length / columns);
  const width = columns * PANEL.width;
  const height = PANEL.title + rows * PANEL.height;
  const panels = results.map((r, i) => {
    const x = (i % columns) * PANEL.width;
    const y = PANEL.title + Math.floor(i / columns) * PANEL.height;
    const svg = trainingPlotSvg(r.history, { title: r.config.label, width: PANEL.width, height: PANEL.height });
    return svg.replace(/^<svg /, `<svg x="${x}" y="${y}" `).trimEnd();
  });
  const escaped = title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="26" text-anchor="middle" font-size="16">${escaped}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
