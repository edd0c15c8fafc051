import { describe, expect, it } from 'vitest';
import { MAX_LINE, clipWords, formatPreamble, formatTable, speedup, type BenchReport, type Figure, type Row } from '../dist/bench/report.js';

const timing = { samples: 5, medianMs: 1, minMs: 1, maxMs: 1, medianCpuMs: 1 } as unknown as Figure['timing'];
const ms = (value: number): { figure: Figure } => ({ figure: { value, unit: 'ms', rate: { value: 10, unit: 'GB/s' }, cpu: { value: value * 2, unit: 'CPU ms' }, timing } });
const exs = (value: number): { figure: Figure } => ({ figure: { value, unit: 'examples/s', rate: { value: 1, unit: 'GFLOP/s' }, cpu: { value: value / 2, unit: 'ex/CPU-s' }, timing } });

function row(partial: Partial<Row> & Pick<Row, 'what' | 'backend' | 'bnkit' | 'anchor'>): Row {
  const a = 'figure' in partial.bnkit ? partial.bnkit.figure.value : 0;
  const b = 'figure' in partial.anchor ? partial.anchor.figure.value : 0;
  return { device: 'cpu, 2 threads', ratio: a && b ? a / b : null, cpuRatio: a && b ? a / b : null, targets: [], notes: [], ...partial };
}

const report: BenchReport = {
  format: 'bnkit-bench/1', date: '2026-12-02', node: 'v20.20.2', host: 'Intel Xeon, 2 cores', loadAverage: { start: 1, end: 2 }, quick: true, steps: 1, batch: 256,
  flops: { training: 1_689_840, forward: 563_280, macsPerLayer: { conv1: 1, conv2: 2, fc1: 3, fc2: 4, fc3: 5 } } as BenchReport['flops'],
  rows: [
    row({ what: 'BN train forward (256,6,24,24)', backend: 'ts', bnkit: ms(2), anchor: { name: 'plain JS loop, 1 thread', device: 'cpu', ...ms(4) } }),
    row({ what: 'LeNet-BN train, batch 256', backend: 'ts', bnkit: exs(1000), anchor: { name: 'tfjs-wasm', device: 'wasm, 2 threads', ...exs(500) } }),
    row({
      what: 'LeNet-BN train, batch 256', backend: 'gpu', device: 'webgpu, llvmpipe (software) with a very long adapter description that goes on and on',
      bnkit: exs(200), anchor: { name: 'tfjs-webgpu', device: 'webgpu', ...exs(400) },
      targets: [{ description: '≥ 10,000 ex/s', met: false, machine: 'H200' }, { description: '≥ 3× tfjs-webgpu', met: false, machine: 'H200' }],
      notes: ['a note long enough to need wrapping '.repeat(8).trim()],
    }),
  ],
  skipped: [{ backend: 'PyTorch anchor (1 thread)', reason: 'python3 has no torch' }],
};

describe('the bench text report', () => {
  const text = `${formatPreamble(report)}\n\n${formatTable(report)}`;

  it('keeps every line within MAX_LINE characters', () => {
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(MAX_LINE);
  });

  it('gives one speed semantics: how many times faster bnkit is, in ms rows and in ex/s rows alike', () => {
    expect(speedup(0.5, 'ms')).toBe(2); // half the time: 2× faster
    expect(speedup(2, 'examples/s')).toBe(2); // twice the throughput: 2× faster
    expect(speedup(null, 'ms')).toBeNull();
    const line = (what: string, backend: string): string => text.split('\n').find((l) => l.startsWith(what) && l.includes(` ${backend} `))!;
    expect(line('BN train forward', 'ts')).toMatch(/2\.00×\s+2\.00×/);
    expect(line('LeNet-BN train', 'ts')).toMatch(/2\.00×\s+2\.00×/);
    expect(line('LeNet-BN train', 'gpu')).toMatch(/0\.50×\s+0\.50×/);
  });

  it('labels targets set for another kind of machine instead of failing them', () => {
    const gpu = text.split('\n').find((l) => l.startsWith('LeNet-BN train') && l.includes(' gpu '))!;
    expect(gpu).toContain('target on H200');
    expect(gpu).not.toMatch(/\bNO\b/);
    expect(text).toContain('target ≥ 10,000 ex/s: set for H200, not judged here');
  });

  it('shows bnkit backends and stock TF.js in one LeNet-BN table, fastest first, relative to bnkit ts', () => {
    const start = text.split('\n').findIndex((l) => l.startsWith('LeNet-BN training, batch 256'));
    const rows = text.split('\n').slice(start + 3, start + 7).map((l) => l.split(/\s{2,}/)[0]);
    expect(rows).toEqual(['bnkit ts', 'tfjs-wasm', 'tfjs-webgpu', 'bnkit gpu']);
    expect(text.split('\n')[start + 3]).toMatch(/1\.00×\s+1\.00×$/);
  });

  it('cuts long cells at word boundaries only, marking the cut', () => {
    expect(clipWords('plain JS loop, 1 thread', 16)).toBe('plain JS loop…');
    expect(clipWords('short', 16)).toBe('short');
    const notes = text.split('\n').filter((l) => l.includes('a note long enough'));
    expect(notes.length).toBeGreaterThan(0);
    for (const l of text.split('\n').filter((x) => x.endsWith('…'))) expect(l.at(-2)).toMatch(/[\w)]/);
  });
});
