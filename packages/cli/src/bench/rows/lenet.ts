import { requireTraining, type Backend } from '@bnkit/core';
import { lenetBN, trainStep } from '@bnkit/nn';
import type { TfjsLenetResult } from '../anchors/tfjs-lenet.js';
import type { TorchAnchor, TorchRun } from '../anchors/torch.js';
import { LENET_BN_FLOPS } from '../flops.js';
import { cpuRatioOf, figureOf, ratioOf, type Figure, type Outcome, type Row, type Target } from '../report.js';
import { DawnProbe, formatStepWork, type StepWork } from '../step-work.js';
import { IMAGE_SIDE, syntheticImageBatch } from '../synthetic.js';
import { timeInterleaved, type Contender, type Timing, type TimingPlan } from '../timing.js';

export const LENET_BATCH = 256;
/** The recipe of docs/lenet-bn.md. */
const LR = 1.0;

/** Examples/s from the median step time, and the GFLOP/s that implies (see flops.ts for what is counted). */
export function lenetFigure(timing: Timing, batch: number): Figure {
  const examplesPerSecond = (batch * 1000) / timing.medianMs;
  return {
    value: examplesPerSecond,
    unit: 'examples/s',
    rate: { value: (examplesPerSecond * LENET_BN_FLOPS.training) / 1e9, unit: 'GFLOP/s' },
    cpu: { value: (batch * 1000) / timing.medianCpuMs, unit: 'ex/CPU-s' },
    timing,
  };
}

export interface BnkitTraining {
  readonly outcome: Outcome;
  readonly notes: readonly string[];
  /** The PyTorch anchors' steps, timed interleaved with bnkit's: one per anchor passed in. */
  readonly torch: readonly Outcome[];
  /** What a timed step asked of the WebGPU device, on backends that run on one. */
  readonly work?: StepWork;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Trains bnkit's LeNet-BN with SGD on one fixed synthetic batch, alternating every step with one step of
 * each PyTorch anchor, so all of them see the same load from the rest of the machine. Each step reads the
 * loss back, so a queued device has finished the step when it is timed.
 */
export async function measureBnkitLenet(backend: Backend, plan: TimingPlan, seed: number, torch: readonly TorchAnchor[] = []): Promise<BnkitTraining> {
  try {
    requireTraining(backend);
  } catch (e) {
    const unavailable = { unavailable: message(e) };
    return { outcome: unavailable, notes: [], torch: torch.map(() => unavailable) };
  }
  const data = syntheticImageBatch(LENET_BATCH, seed);
  const x = backend.upload(data.x, [LENET_BATCH, 1, IMAGE_SIDE, IMAGE_SIDE]);
  const labels = backend.upload(data.labels, [LENET_BATCH], 'int32');
  const model = lenetBN(backend, { seed });
  const losses: number[] = [];
  const torchLosses = torch.map((): number[] => []);
  // Asynchronous backends: count each step's device calls and the host work that issues them.
  const probe = backend.device.kind === 'webgpu' ? DawnProbe.install() : null;
  const step = (): Promise<number> => trainStep(model, x, labels, LR);
  const contenders: Contender[] = [
    { run: probe ? probe.step(step) : step, after: (loss: number) => losses.push(loss) } as Contender,
    ...torch.map((a, k) => a.contender('lenet', (r: TorchRun) => torchLosses[k].push(r.value ?? NaN)) as Contender),
  ];
  try {
    const [timing, ...torchTimings] = await timeInterleaved(plan, contenders);
    const first = losses[0];
    const last = losses[losses.length - 1];
    const torchOutcomes = torchTimings.map((t, k): Outcome =>
      torchLosses[k].every(Number.isFinite) ? { figure: lenetFigure(t, LENET_BATCH) } : { unavailable: `PyTorch produced a non-finite loss (${torchLosses[k].join(', ')})` });
    // A throughput figure for a step that computes garbage would be meaningless.
    if (!losses.every(Number.isFinite)) return { outcome: { unavailable: `training produced a non-finite loss (${losses.join(', ')})` }, notes: [], torch: torchOutcomes };
    const work = probe?.summary(timing.warmup) ?? undefined;
    return {
      outcome: { figure: lenetFigure(timing, LENET_BATCH) },
      notes: [`loss on the repeated batch ${first.toFixed(3)} → ${last.toFixed(3)} over ${losses.length} steps`, ...(work ? [formatStepWork(work)] : [])],
      torch: torchOutcomes,
      ...(work ? { work } : {}),
    };
  } catch (e) {
    const unavailable = { unavailable: message(e) };
    return { outcome: unavailable, notes: [], torch: torch.map(() => unavailable) };
  } finally {
    probe?.uninstall();
    model.dispose();
    backend.dispose(x);
    backend.dispose(labels);
  }
}

export function tfjsOutcome(result: TfjsLenetResult): Outcome {
  return result.ok ? { figure: lenetFigure(result.timing, LENET_BATCH) } : { unavailable: result.reason };
}

/**
 * What a LeNet-BN row must reach: an absolute rate (wall or per CPU-second) and/or a multiple of its
 * anchor (wall or per CPU-second).
 */
export interface LenetTargets {
  readonly examplesPerSecond?: { readonly min: number };
  readonly examplesPerCpuSecond?: number;
  readonly ratio?: number;
  readonly cpuRatio?: number;
  /** The kind of machine these targets were set for (its device name contains it), when not any machine. */
  readonly machine?: string;
}

export function lenetRow(
  label: string, device: string, mine: BnkitTraining, anchorName: string, anchorDevice: string, anchorOutcome: Outcome, targets: LenetTargets,
): Row {
  const ratio = ratioOf(mine.outcome, anchorOutcome);
  const cpuRatio = cpuRatioOf(mine.outcome, anchorOutcome);
  const figure = figureOf(mine.outcome);
  const list: Target[] = [];
  const atLeast = (v: number | null | undefined, min: number): boolean | null => (v === null || v === undefined ? null : v >= min);
  if (targets.examplesPerSecond) {
    const { min } = targets.examplesPerSecond;
    list.push({ description: `≥ ${min.toLocaleString('en-US')} ex/s`, met: atLeast(figure?.value, min) });
  }
  if (targets.examplesPerCpuSecond !== undefined) {
    list.push({ description: `≥ ${targets.examplesPerCpuSecond.toLocaleString('en-US')} ex/CPU-s`, met: atLeast(figure?.cpu.value, targets.examplesPerCpuSecond) });
  }
  if (targets.ratio !== undefined) {
    list.push({ description: `≥ ${targets.ratio}× ${anchorName}`, met: atLeast(ratio, targets.ratio) });
  }
  if (targets.cpuRatio !== undefined) {
    list.push({ description: `≥ ${targets.cpuRatio}× ${anchorName} per CPU-s`, met: atLeast(cpuRatio, targets.cpuRatio) });
  }
  const targetsHere = targets.machine === undefined ? list : list.map((t) => ({ ...t, machine: targets.machine }));
  return {
    what: `LeNet-BN train, batch ${LENET_BATCH}`,
    backend: label,
    device,
    bnkit: mine.outcome,
    anchor: { name: anchorName, device: anchorDevice, ...anchorOutcome },
    ratio,
    cpuRatio,
    targets: targetsHere,
    notes: mine.notes,
    ...(mine.work ? { work: mine.work } : {}),
  };
}
