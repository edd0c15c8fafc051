import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../../vitest.config.js';

/* End-to-end runs of the built CLI. They assert what is reported, never how fast anything was. */

const bench = fileURLToPath(new URL('../dist/bench.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bnkit-bench-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bench, ...args], { cwd: work, encoding: 'utf8', timeout: CHILD_LIMIT_MS, env: { ...process.env, ...env } });
}

interface Outcome {
  figure?: {
    value: number; unit: string; rate: { value: number; unit: string }; cpu: { value: number; unit: string };
    timing: { medianMs: number; medianCpuMs: number; reps: number };
  };
  unavailable?: string;
}
interface Row extends Outcome {
  what: string;
  backend: string;
  device: string;
  bnkit: Outcome;
  anchor: Outcome & { name: string; device: string };
  ratio: number | null;
  cpuRatio: number | null;
  targets: { description: string; met: boolean | null }[];
}

/** The convolution rows, in order, with the FLOPs of the pass (2·N·Cout·OH·OW·Cin·25 per product). */
const LAYER_ROWS: readonly [string, number][] = [
  ['conv1 forward (256,1,28,28) k5 → 6', 2 * 256 * 6 * 24 * 24 * 1 * 25],
  ['conv1 backward (no input gradient) (256,1,28,28) k5 → 6', 2 * 256 * 6 * 24 * 24 * 1 * 25],
  ['conv2 forward (256,6,12,12) k5 → 16', 2 * 256 * 16 * 8 * 8 * 6 * 25],
  ['conv2 backward (256,6,12,12) k5 → 16', 2 * 2 * 256 * 16 * 8 * 8 * 6 * 25],
];

describe('pnpm bench', () => {
  it('prints usage for --help and rejects unknown flags and backends', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--backends/);
    const version = run(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^bnkit-bench \d+\.\d+\.\d+\n$/);
    const bad = run(['--fast']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/fast/);
    const unknown = run(['--backends', 'cuda']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown backend 'cuda'; allowed: ts, gpu, tfjs/);
  });

  // As this machine has it, and with an interpreter that cannot run the PyTorch anchor: the run goes on
  // without it (exit 0) and says so.
  it.each([
    ['with PyTorch as found', {}],
    ['with PyTorch absent', { BNKIT_PYTHON: '/bin/false' }],
  ])('--quick --backends ts runs end to end and writes every figure with its anchor (%s)', (_, env: NodeJS.ProcessEnv) => {
    const file = join(work, 'out.json');
    const r = run(['--quick', '--backends', 'ts', '--steps', '1', '--json', file], env);
    expect(r.status, r.stderr).toBe(0);
    if (env.BNKIT_PYTHON) expect(r.stderr).toMatch(/PyTorch anchor skipped/);
    expect(r.stderr).toMatch(/\[bench\] ts: BN train forward/);
    expect(r.stderr).toMatch(/\[bench\] anchor tfjs-cpu/);
    expect(r.stdout).toMatch(/what +backend +bnkit +anchor +anchor figure +speed +per CPU-s +target/);
    expect(r.stdout).toMatch(/1\.690 MFLOP per training example/);

    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      format: string; quick: boolean; host: string; loadAverage: { start: number; end: number }; flops: { training: number }; rows: Row[];
      skipped: { backend: string; reason: string }[];
    };
    expect(report.format).toBe('bnkit-bench/1');
    expect(report.host).toMatch(/cores?(, \w+)?$/);
    expect(report.loadAverage.start).toBeGreaterThanOrEqual(0);
    expect(report.quick).toBe(true);
    expect(report.flops.training).toBe(1_689_840);
    // PyTorch rows appear when python3 has torch; otherwise the run says why and goes on without them.
    const torchSkipped = report.skipped.filter((s) => s.backend.startsWith('PyTorch anchor'));
    const torch = torchSkipped.length === 0;
    if (!torch) {
      expect(torchSkipped.map((s) => s.backend)).toEqual(['PyTorch anchor (1 thread)', 'PyTorch anchor (2 threads)']);
      expect(r.stdout).toMatch(/skipped backends:\n  PyTorch anchor \(1 thread\): /);
    }
    const rows = report.rows;
    const bnRows = (what: string): string[] => (torch ? [what, what] : [what]);
    expect(rows.map((row) => row.what)).toEqual([
      ...bnRows('BN train forward (256,6,24,24)'), ...bnRows('BN train backward (256,6,24,24)'), 'BN eval forward (256,6,24,24)',
      ...LAYER_ROWS.map(([what]) => what),
      ...Array(torch ? 4 : 3).fill('LeNet-BN train, batch 256'),
    ]);
    for (const row of rows) {
      expect(row.backend).toBe('ts');
      expect(row.device).toMatch(/cpu/);
      expect(row.anchor.name.length).toBeGreaterThan(0);
      expect(row.anchor.device.length).toBeGreaterThan(0);
      // Every measured figure carries its per-CPU-second twin, and both ratios follow from the figures.
      for (const side of [row.bnkit, row.anchor]) {
        if (!side.figure) continue;
        expect(side.figure.timing.medianCpuMs).toBeGreaterThan(0);
        const perCpu = side.figure.unit === 'ms' ? side.figure.timing.medianCpuMs : (256 * 1000) / side.figure.timing.medianCpuMs;
        expect(side.figure.cpu.value).toBeCloseTo(perCpu, 6);
      }
      if (row.bnkit.figure && row.anchor.figure) {
        expect(row.ratio).toBeCloseTo(row.bnkit.figure.value / row.anchor.figure.value, 10);
        expect(row.cpuRatio).toBeCloseTo(row.bnkit.figure.cpu.value / row.anchor.figure.cpu.value, 10);
      }
    }
    const bn = rows.filter((row) => row.what.startsWith('BN '));
    for (const row of bn.filter((x) => x.anchor.name === 'plain JS loop, 1 thread')) {
      for (const side of [row.bnkit, row.anchor]) {
        expect(side.figure!.unit).toBe('ms');
        expect(side.figure!.value).toBeGreaterThan(0);
        expect(side.figure!.rate.unit).toBe('GB/s');
        expect(side.figure!.cpu.unit).toBe('CPU ms');
      }
      expect(row.targets).toEqual([{ description: '≤ 1.10× hand loop time', met: row.ratio! <= 1.1 }]);
    }
    const torchBn = bn.filter((x) => x.anchor.name.startsWith('PyTorch'));
    expect(torchBn.map((x) => x.targets[0]?.description)).toEqual(torch ? ['≤ 1.5× PyTorch CPU time', '≤ 2× PyTorch CPU time'] : []);
    for (const row of torchBn) expect(row.targets[0].met).toBe(row.cpuRatio! <= (row.what.includes('backward') ? 2 : 1.5));

    // The convolution rows: GFLOP/s from the layer's FLOPs and the median, beside PyTorch's conv2d or a reason.
    for (const [what, flops] of LAYER_ROWS) {
      const row = rows.find((x) => x.what === what)!;
      expect(row.anchor.name).toMatch(/PyTorch .*CPU.*, conv2d$/);
      expect(Boolean(row.anchor.figure)).toBe(torch);
      for (const side of [row.bnkit, row.anchor]) {
        if (!side.figure) continue;
        expect(side.figure.rate.unit).toBe('GFLOP/s');
        expect(side.figure.rate.value).toBeCloseTo(flops / (side.figure.value * 1e6), 6);
      }
      expect(row.bnkit.figure!.value).toBeGreaterThan(0);
    }

    const lenetRows = rows.filter((row) => row.what.startsWith('LeNet'));
    if (torch) {
      const [one, two] = lenetRows;
      expect(one.anchor.name).toMatch(/^PyTorch .* CPU, 1 thread$/);
      expect(two.anchor.name).toMatch(/^PyTorch .* CPU, 2 threads$/);
      expect(one.targets.map((t) => t.description)).toEqual(['≥ 1,500 ex/CPU-s', `≥ 0.3× ${one.anchor.name} per CPU-s`]);
      expect(one.targets[0].met).toBe(one.bnkit.figure!.cpu.value >= 1500);
      expect(one.targets[1].met).toBe(one.cpuRatio! >= 0.3);
    } else {
      // Absent, the PyTorch row says so, and the ex/CPU-s target is still judged.
      const [absent] = lenetRows;
      expect(absent.anchor.name).toBe('PyTorch CPU, 1 thread');
      expect(absent.anchor.unavailable).toMatch(/no PyTorch anchor in this run/);
      expect(absent.cpuRatio).toBeNull();
      expect(absent.targets.map((t) => [t.description, t.met])).toEqual([
        ['≥ 1,500 ex/CPU-s', absent.bnkit.figure!.cpu.value >= 1500], ['≥ 0.3× PyTorch CPU, 1 thread per CPU-s', null],
      ]);
    }
    const [cpu, wasm] = lenetRows.slice(torch ? 2 : 1);
    expect(cpu.anchor.name).toBe('tfjs-cpu');
    expect(cpu.bnkit.figure!.unit).toBe('examples/s');
    expect(cpu.bnkit.figure!.cpu.unit).toBe('ex/CPU-s');
    expect(cpu.bnkit.figure!.rate.unit).toBe('GFLOP/s');
    expect(cpu.bnkit.figure!.rate.value).toBeCloseTo((cpu.bnkit.figure!.value * 1_689_840) / 1e9, 6);
    expect(cpu.anchor.figure!.timing.reps).toBe(1);
    expect(cpu.targets.map((t) => t.description)).toEqual(['≥ 100× tfjs-cpu per CPU-s']);
    expect(cpu.targets[0].met).toBe(cpu.cpuRatio! >= 100);
    // tfjs-wasm either trains or says why not; it never shows a number it did not measure.
    expect(wasm.anchor.name).toBe('tfjs-wasm');
    expect(Boolean(wasm.anchor.figure) !== Boolean(wasm.anchor.unavailable)).toBe(true);
    if (wasm.anchor.unavailable) expect(wasm.ratio).toBeNull();
  });
});
