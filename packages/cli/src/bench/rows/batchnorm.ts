import {
  batchNormAttrs, sizeOf, type Backend, type BatchNormTrainBackwardInputs, type BatchNormTrainOutputs, type Tensor,
} from '@bnkit/core';
import { mulberry32, uniform } from '@bnkit/data';
import {
  plainBatchNormEval, plainBatchNormTrain, plainBatchNormTrainBackward, type BnGeometry, type PlainBnParams,
} from '../anchors/plain-bn.js';
import type { TorchAnchor, TorchOp } from '../anchors/torch.js';
import type { Figure, Outcome, Row, Target } from '../report.js';
import { cpuRatioOf, ratioOf } from '../report.js';
import { timeInterleaved, type Contender, type Timing, type TimingPlan } from '../timing.js';

/** LeNet-BN's largest BatchNorm input: bn1 after conv1 at batch 256. */
export const BN_SHAPE = [256, 6, 24, 24] as const;
/** bnkit's kernel must take at most this much longer than the hand-written loop. */
export const BN_TARGET_RATIO = 1.1;
/** bnkit's CPU time per call may be at most this multiple of PyTorch's native_batch_norm (1 thread). */
const TORCH_TARGET_RATIO: Partial<Record<TorchOp, number>> = { bn_forward: 1.5, bn_backward: 2 };

const ATTRS = batchNormAttrs({ axis: 1 });
const GEOMETRY: BnGeometry = { outer: BN_SHAPE[0], channels: BN_SHAPE[1], inner: BN_SHAPE[2] * BN_SHAPE[3] };

/** Device kinds whose kernels have finished when their Promise resolves (host memory, no queue). */
const HOST_DEVICE_KINDS = new Set(['cpu', 'wasm', 'webasm']);

interface HostInputs {
  readonly x: Float32Array;
  readonly dy: Float32Array;
  readonly params: PlainBnParams;
}

function hostInputs(seed: number): HostInputs {
  const random = mulberry32(seed);
  const n = sizeOf(BN_SHAPE);
  const c = BN_SHAPE[1];
  return {
    // Activations with a non-zero mean, as after a convolution.
    x: uniform(random, n, -1.5, 2.5),
    dy: uniform(random, n, -1, 1),
    params: {
      gamma: uniform(random, c, 0.5, 1.5),
      beta: uniform(random, c, -0.5, 0.5),
      runningMean: uniform(random, c, -0.1, 0.1),
      runningVar: uniform(random, c, 0.5, 1.5),
    },
  };
}

/**
 * Effective bandwidth: every full-size tensor the kernel must read or write, counted once. The same count
 * serves bnkit and the anchor, so the GB/s ratio equals the time ratio.
 */
function figure(timing: Timing, fullTensors: number): Figure {
  const bytes = fullTensors * sizeOf(BN_SHAPE) * 4;
  return {
    value: timing.medianMs, unit: 'ms', rate: { value: bytes / (timing.medianMs * 1e6), unit: 'GB/s' },
    cpu: { value: timing.medianCpuMs, unit: 'CPU ms' }, timing,
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface KernelCase {
  readonly what: string;
  readonly fullTensors: number;
  /** The PyTorch op that computes the same, when there is one. */
  readonly torch?: TorchOp;
  /** Runs bnkit's kernel once, settled; returns every handle it created (freed outside the timed region). */
  readonly bnkit: () => Promise<Tensor[]>;
  /** Runs the hand-written loop once. */
  readonly anchor: () => unknown;
  /** bnkit's and the anchor's main output, to check both compute the same thing. */
  readonly outputs: () => Promise<[ArrayLike<number>, ArrayLike<number>]>;
}

/**
 * bnkit's BatchNorm kernels on (256,6,24,24) against the hand-written loops of anchors/plain-bn.ts and, when
 * `torch` is given, PyTorch's native_batch_norm, all timed interleaved in this run. `target` says whether
 * the bars apply (they are set for the TypeScript backend).
 */
export async function batchNormRows(
  backend: Backend, label: string, plan: TimingPlan, target: boolean, log: (msg: string) => void, torch?: TorchAnchor,
): Promise<Row[]> {
  const host = hostInputs(1);
  const up = (a: Float32Array, shape: readonly number[]): Tensor => backend.upload(a, shape);
  const c = [BN_SHAPE[1]];
  const x = up(host.x, BN_SHAPE);
  const dy = up(host.dy, BN_SHAPE);
  const inputs = {
    x, gamma: up(host.params.gamma, c), beta: up(host.params.beta, c),
    runningMean: up(host.params.runningMean, c), runningVar: up(host.params.runningVar, c),
  };
  const hostDevice = HOST_DEVICE_KINDS.has(backend.device.kind);
  // A queued device (WebGPU) resolves kernels before the work is done: reading the smallest output waits for it.
  const settle = async (handles: Tensor[]): Promise<Tensor[]> => {
    if (!hostDevice) await backend.read(handles.reduce((s, t) => (sizeOf(t.shape) < sizeOf(s.shape) ? t : s)));
    return handles;
  };
  const unbiased = ATTRS.runningVar === 'unbiased';
  const plainAttrs = { eps: ATTRS.eps, momentum: ATTRS.momentum, unbiased };
  const plainSaved = plainBatchNormTrain(host.x, host.params, GEOMETRY, plainAttrs);
  // The backward kernel needs the forward's saved statistics; if the forward fails, every row says why.
  let saved: BatchNormTrainOutputs | undefined;
  let forwardError: unknown;
  try {
    saved = await backend.batchNormTrain(inputs, ATTRS);
  } catch (e) {
    forwardError = e;
  }
  const forward = (): BatchNormTrainOutputs => {
    if (!saved) throw forwardError;
    return saved;
  };
  const backwardInputs = (): BatchNormTrainBackwardInputs => ({ x, dy, gamma: inputs.gamma, mean: forward().mean, invStd: forward().invStd });

  const cases: KernelCase[] = [
    {
      what: 'BN train forward',
      fullTensors: 2,
      torch: 'bn_forward',
      bnkit: async () => settle(Object.values(await backend.batchNormTrain(inputs, ATTRS))),
      anchor: () => plainBatchNormTrain(host.x, host.params, GEOMETRY, plainAttrs),
      outputs: async () => [await backend.read(forward().y), plainSaved.y],
    },
    {
      what: 'BN train backward',
      fullTensors: 3,
      torch: 'bn_backward',
      bnkit: async () => settle(Object.values(await backend.batchNormTrainBackward(backwardInputs(), ATTRS))),
      anchor: () => plainBatchNormTrainBackward(host.x, host.dy, host.params.gamma, plainSaved.mean, plainSaved.invStd, GEOMETRY),
      outputs: async () => {
        const g = await backend.batchNormTrainBackward(backwardInputs(), ATTRS);
        const dx = await backend.read(g.dx);
        for (const t of Object.values(g)) backend.dispose(t);
        return [dx, plainBatchNormTrainBackward(host.x, host.dy, host.params.gamma, plainSaved.mean, plainSaved.invStd, GEOMETRY).dx];
      },
    },
    {
      what: 'BN eval forward',
      fullTensors: 2,
      bnkit: async () => settle([await backend.batchNormEval(inputs, ATTRS)]),
      anchor: () => plainBatchNormEval(host.x, host.params, GEOMETRY, ATTRS.eps),
      outputs: async () => {
        const y = await backend.batchNormEval(inputs, ATTRS);
        const data = await backend.read(y);
        backend.dispose(y);
        return [data, plainBatchNormEval(host.x, host.params, GEOMETRY, ATTRS.eps)];
      },
    },
  ];

  const rows: Row[] = [];
  const device = `${backend.device.kind}, ${backend.device.name}`;
  try {
    for (const k of cases) {
      const torchOp = torch && k.torch ? k.torch : undefined;
      log(`${label}: ${k.what} (up to ${plan.warmup} warm-up + ${plan.reps} timed runs each, interleaved with the hand loop${torchOp ? ' and PyTorch' : ''})`);
      const anchors: Contender[] = [{ run: k.anchor }, ...(torch && torchOp ? [torch.contender(torchOp) as Contender] : [])];
      let bnkit: Outcome;
      let theirs: Outcome[];
      const notes: string[] = [];
      try {
        const [mine, ...others] = await timeInterleaved(plan, [
          { run: k.bnkit, after: (hs: Tensor[]) => hs.forEach((t) => backend.dispose(t)) } as Contender,
          ...anchors,
        ]);
        bnkit = { figure: figure(mine, k.fullTensors) };
        theirs = others.map((t) => ({ figure: figure(t, k.fullTensors) }));
        const [a, b] = await k.outputs();
        const waited = hostDevice ? '' : '; bnkit time includes reading the smallest output back (waits for the queued GPU work)';
        notes.push(`output agrees with the hand loop to max |Δ| = ${maxAbsDiff(a, b).toExponential(1)}${waited}`);
      } catch (e) {
        bnkit = { unavailable: e instanceof Error ? e.message : String(e) };
        theirs = (await timeInterleaved(plan, anchors)).map((t) => ({ figure: figure(t, k.fullTensors) }));
      }
      const what = `${k.what} (${BN_SHAPE.join(',')})`;
      const ratio = ratioOf(bnkit, theirs[0]);
      const targets: Target[] = target ? [{ description: `≤ ${BN_TARGET_RATIO.toFixed(2)}× hand loop time`, met: ratio === null ? null : ratio <= BN_TARGET_RATIO }] : [];
      rows.push({
        what, backend: label, device, bnkit,
        anchor: { name: 'plain JS loop, 1 thread', device: 'host CPU', ...theirs[0] },
        ratio, cpuRatio: cpuRatioOf(bnkit, theirs[0]), targets, notes,
      });
      if (torch && torchOp) {
        const cpuRatio = cpuRatioOf(bnkit, theirs[1]);
        const bar = TORCH_TARGET_RATIO[torchOp];
        rows.push({
          what, backend: label, device, bnkit,
          anchor: { name: `${torch.name}, native_batch_norm${torchOp === 'bn_backward' ? '_backward' : ''}`, device: 'host CPU', ...theirs[1] },
          ratio: ratioOf(bnkit, theirs[1]), cpuRatio,
          targets: target && bar !== undefined ? [{ description: `≤ ${bar}× PyTorch CPU time`, met: cpuRatio === null ? null : cpuRatio <= bar }] : [],
          notes: [],
        });
      }
    }
  } finally {
    for (const t of [x, dy, inputs.gamma, inputs.beta, inputs.runningMean, inputs.runningVar]) backend.dispose(t);
    if (saved) for (const t of Object.values(saved)) backend.dispose(t);
  }
  return rows;
}
