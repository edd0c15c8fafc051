import { requireTraining, type Backend } from '@bnkit/core';
import { lenetBN, trainStep } from '@bnkit/nn';
import type { TfjsLenetResult } from '../anchors/tfjs-lenet.js';
import { LENET_BN_FLOPS } from '../flops.js';
import { figureOf, ratioOf, type Figure, type Outcome, type Row, type Target } from '../report.js';
import { IMAGE_SIDE, syntheticImageBatch } from '../synthetic.js';
import { timeRuns, type Timing, type TimingPlan } from '../timing.js';

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
    timing,
  };
}

export interface BnkitTraining {
  readonly outcome: Outcome;
  readonly notes: readonly string[];
}

/**
 * Trains bnkit's LeNet-BN with SGD on one fixed synthetic batch. Each step reads the loss back, so a
 * queued device has finished the step when it is timed.
 */
export async function measureBnkitLenet(backend: Backend, plan: TimingPlan, seed: number): Promise<BnkitTraining> {
  try {
    requireTraining(backend);
  } catch (e) {
    return { outcome: { unavailable: e instanceof Error ? e.message : String(e) }, notes: [] };
  }
  const data = syntheticImageBatch(LENET_BATCH, seed);
  const x = backend.upload(data.x, [LENET_BATCH, 1, IMAGE_SIDE, IMAGE_SIDE]);
  const labels = backend.upload(data.labels, [LENET_BATCH], 'int32');
  const model = lenetBN(backend, { seed });
  const losses: number[] = [];
  try {
    const timing = await timeRuns(plan, () => trainStep(model, x, labels, LR), (loss) => losses.push(loss));
    const first = losses[0];
    const last = losses[losses.length - 1];
    // A throughput figure for a step that computes garbage would be meaningless.
    if (!losses.every(Number.isFinite)) return { outcome: { unavailable: `training produced a non-finite loss (${losses.join(', ')})` }, notes: [] };
    return { outcome: { figure: lenetFigure(timing, LENET_BATCH) }, notes: [`loss on the repeated batch ${first.toFixed(3)} → ${last.toFixed(3)} over ${losses.length} steps`] };
  } catch (e) {
    return { outcome: { unavailable: e instanceof Error ? e.message : String(e) }, notes: [] };
  } finally {
    model.dispose();
    backend.dispose(x);
    backend.dispose(labels);
  }
}

export function tfjsOutcome(result: TfjsLenetResult): Outcome {
  return result.ok ? { figure: lenetFigure(result.timing, LENET_BATCH) } : { unavailable: result.reason };
}

/** What a LeNet-BN row must reach: an absolute rate and/or a multiple of its anchor. */
export interface LenetTargets {
  readonly examplesPerSecond?: { readonly min: number; readonly qualifier?: string };
  readonly ratio?: number;
}

export function lenetRow(
  label: string, device: string, mine: BnkitTraining, anchorName: string, anchor: TfjsLenetResult, targets: LenetTargets,
): Row {
  const anchorOutcome = tfjsOutcome(anchor);
  const ratio = ratioOf(mine.outcome, anchorOutcome);
  const value = figureOf(mine.outcome)?.value ?? null;
  const list: Target[] = [];
  if (targets.examplesPerSecond) {
    const { min, qualifier } = targets.examplesPerSecond;
    list.push({ description: `≥ ${min.toLocaleString('en-US')} ex/s${qualifier ? ` (${qualifier})` : ''}`, met: value === null ? null : value >= min });
  }
  if (targets.ratio !== undefined) {
    list.push({ description: `≥ ${targets.ratio}× ${anchorName}`, met: ratio === null ? null : ratio >= targets.ratio });
  }
  return {
    what: `LeNet-BN train, batch ${LENET_BATCH}`,
    backend: label,
    device,
    bnkit: mine.outcome,
    anchor: { name: anchorName, device: anchor.device, ...anchorOutcome },
    ratio,
    targets: list,
    notes: mine.notes,
  };
}
