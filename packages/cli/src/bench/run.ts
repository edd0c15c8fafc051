import { DeviceUnavailableError, type Backend } from '@bnkit/core';
import { loadBackend } from '@bnkit/loader';
import type { BackendTarget, BenchOptions } from './args.js';
import { runTfjsLenetAnchor } from './anchors/tfjs-anchor.js';
import type { TfjsDevice, TfjsLenetResult } from './anchors/tfjs-lenet.js';
import { TorchAnchor } from './anchors/torch.js';
import { LENET_BN_FLOPS } from './flops.js';
import { hostCpu, loadAverage } from './host.js';
import type { BenchReport, Row, SkippedBackend } from './report.js';
import { batchNormRows } from './rows/batchnorm.js';
import { layerRows } from './rows/layers.js';
import { LENET_BATCH, lenetRow, measureBnkitLenet, tfjsOutcome, type LenetTargets } from './rows/lenet.js';
import type { TimingPlan } from './timing.js';

const SEED = 7;

/**
 * Repetitions. tfjs on the CPU needs seconds per batch-256 step, so its anchors take only a few; bnkit rows
 * have time budgets so a slow backend (bnkit on tfjs-cpu) stops after a few repetitions.
 */
function plans(options: BenchOptions): { bn: TimingPlan; bnkitSteps: TimingPlan; tfjsCpu: TimingPlan; tfjsGpu: TimingPlan } {
  const q = options.quick;
  return {
    bn: q ? { warmup: 2, reps: 5, budgetMs: 2_000 } : { warmup: 10, reps: 51, budgetMs: 10_000 },
    bnkitSteps: { warmup: q ? 1 : 3, reps: options.steps, budgetMs: q ? 15_000 : 60_000 },
    tfjsCpu: q ? { warmup: 0, reps: 1 } : { warmup: 1, reps: 3 },
    tfjsGpu: q ? { warmup: 1, reps: 2 } : { warmup: 3, reps: Math.max(options.steps, 5), budgetMs: 60_000 },
  };
}

interface Comparison {
  readonly device: TfjsDevice;
  readonly name: string;
  readonly targets: LenetTargets;
}

/** PyTorch CPU anchors of the ts backend: one process per intra-op thread count. */
const TORCH_THREADS = [1, 2];

/**
 * The ts backend's LeNet-BN targets against PyTorch 1.13 CPU (1 thread, reference BLAS), per CPU-second:
 * set on a 2-vCPU Intel Xeon (AVX-512) where PyTorch trains 5,000–6,800 ex/CPU-s.
 */
const TS_TORCH_TARGETS: LenetTargets = { examplesPerCpuSecond: 1500, cpuRatio: 0.3 };

/**
 * Which TensorFlow.js training each bnkit backend is held against (docs/lenet-bn.md). The ts targets are
 * for these 2-core machines and the gpu targets for an H200; tfjs rows show bnkit's overhead over tfjs.
 */
function comparisonsFor(target: BackendTarget): Comparison[] {
  if (target.backend === 'ts') {
    return [
      { device: 'cpu', name: 'tfjs-cpu', targets: { cpuRatio: 100 } },
      // The ≥ 3× target of docs/lenet-bn.md is against tfjs-wasm with a hand-added filter-gradient kernel, not measured here.
      { device: 'wasm', name: 'tfjs-wasm', targets: {} },
    ];
  }
  if (target.backend === 'gpu') {
    return [{ device: 'webgpu', name: 'tfjs-webgpu', targets: { examplesPerSecond: { min: 10_000 }, ratio: 3, machine: 'H200' } }];
  }
  const device = target.device as TfjsDevice;
  return [{ device, name: `tfjs-${device}`, targets: {} }];
}

/** How a backend target is named in the log, the rows and `skipped`. */
export function labelOf(t: BackendTarget): string {
  return t.device ? `${t.backend}:${t.device}` : t.backend;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs every requested row. bnkit backends run in this process one at a time; the TensorFlow.js anchors run
 * in child processes, each at most once per run, and are shared by the rows that compare against them.
 */
export async function runBench(options: BenchOptions, log: (msg: string) => void): Promise<BenchReport> {
  const plan = plans(options);
  const loadAtStart = loadAverage();
  const rows: Row[] = [];
  const skipped: SkippedBackend[] = [];
  const anchors = new Map<TfjsDevice, Promise<TfjsLenetResult>>();
  // PyTorch anchors start once, at the first backend that runs, and are shared by every row that uses them.
  let torch: Promise<TorchAnchor[]> | undefined;
  const torchAnchors = (): Promise<TorchAnchor[]> => {
    torch ??= (async () => {
      const started: TorchAnchor[] = [];
      for (const threads of TORCH_THREADS) {
        const a = await TorchAnchor.start(threads, SEED);
        if (a instanceof TorchAnchor) started.push(a);
        else {
          skipped.push({ backend: `PyTorch anchor (${threads} thread${threads === 1 ? '' : 's'})`, reason: a.unavailable });
          log(`PyTorch anchor skipped: ${a.unavailable}`);
        }
      }
      return started;
    })();
    return torch;
  };
  const anchor = (device: TfjsDevice): Promise<TfjsLenetResult> => {
    let result = anchors.get(device);
    if (!result) {
      const p = device === 'webgpu' ? plan.tfjsGpu : plan.tfjsCpu;
      log(`anchor tfjs-${device}: LeNet-BN training (up to ${p.warmup} warm-up + ${p.reps} timed steps, child process)`);
      result = runTfjsLenetAnchor({ device, batch: LENET_BATCH, plan: p, seed: SEED });
      anchors.set(device, result);
    }
    return result;
  };

  try {
    for (const target of options.targets) {
      const label = labelOf(target);
      log(`${label}: loading`);
      let backend: Backend;
      try {
        backend = await loadBackend(target.backend, target.device ? { device: target.device } : {}, import.meta.url);
      } catch (e) {
        // gpu:DEVICE forces the device: without it the run ends (exit 2), rather than measure a fallback.
        if (target.backend === 'gpu' && target.device && e instanceof DeviceUnavailableError) {
          throw new DeviceUnavailableError(`--backends ${label}: ${e.message}`);
        }
        skipped.push({ backend: label, reason: reason(e) });
        log(`${label}: skipped (${reason(e)})`);
        continue;
      }
      const device = `${backend.device.kind}, ${backend.device.name}`;
      log(`${label}: running on ${device}`);
      try {
        const isTs = target.backend === 'ts';
        const torchHere = isTs ? await torchAnchors() : [];
        rows.push(...(await batchNormRows(backend, label, plan.bn, isTs, log, torchHere.find((a) => a.threads === 1))));
        // Every backend's convolutions beside PyTorch's (1 thread).
        rows.push(...(await layerRows(backend, label, plan.bn, log, (await torchAnchors()).find((a) => a.threads === 1))));
        log(`${label}: LeNet-BN training (up to ${plan.bnkitSteps.warmup} warm-up + ${plan.bnkitSteps.reps} timed steps` +
          `${torchHere.length > 0 ? ', interleaved step by step with PyTorch' : ''})`);
        const mine = await measureBnkitLenet(backend, plan.bnkitSteps, SEED, torchHere);
        // The training notes (loss trajectory) belong to the bnkit figure: show them once.
        const once = (i: number): typeof mine => (i === 0 ? mine : { ...mine, notes: [] });
        for (const [i, a] of torchHere.entries()) {
          rows.push(lenetRow(label, device, once(i), a.name, 'host CPU', mine.torch[i], a.threads === 1 ? TS_TORCH_TARGETS : {}));
        }
        // Without PyTorch the table still says so in the row its ratio would take, and keeps the ex/CPU-s target.
        const torchRows = isTs && torchHere.length === 0 ? 1 : torchHere.length;
        if (torchRows > torchHere.length) {
          rows.push(lenetRow(label, device, once(0), 'PyTorch CPU, 1 thread', 'host CPU', { unavailable: 'no PyTorch anchor in this run (see skipped)' }, TS_TORCH_TARGETS));
        }
        for (const [i, c] of comparisonsFor(target).entries()) {
          const result = await anchor(c.device);
          rows.push(lenetRow(label, device, once(i + torchRows), c.name, result.device, tfjsOutcome(result), c.targets));
        }
      } finally {
        await backend.close();
      }
    }
  } finally {
    // Ends the PyTorch processes even when a row failed.
    for (const a of (await torch) ?? []) a.close();
  }

  return {
    format: 'bnkit-bench/1',
    date: new Date().toISOString(),
    node: process.version,
    host: hostCpu(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    quick: options.quick,
    steps: options.steps,
    batch: LENET_BATCH,
    flops: LENET_BN_FLOPS,
    rows,
    skipped,
  };
}
