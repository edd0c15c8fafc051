import { requireTraining, sizeOf, type Backend, type Tensor } from '@bnkit/core';
import { mulberry32, uniform } from '@bnkit/data';
import type { TorchAnchor, TorchOp } from '../anchors/torch.js';
import type { Figure, Outcome, Row } from '../report.js';
import { cpuRatioOf, ratioOf } from '../report.js';
import { timeInterleaved, type Contender, type Timing, type TimingPlan } from '../timing.js';

/*
 * LeNet-BN's two convolutions at batch 256, forward and backward, for every backend, beside PyTorch's
 * conv2d and convolution_backward on the same shapes (1 thread), with the compute rate in GFLOP/s. They
 * are most of a training step's FLOPs (flops.ts), so these rows say which layer a slow step loses time in.
 */

const BATCH = 256;
/** Device kinds whose kernels have finished when their Promise resolves (host memory, no queue). */
const HOST_DEVICE_KINDS = new Set(['cpu', 'wasm', 'webasm']);

interface ConvLayer {
  readonly name: string;
  readonly cin: number;
  /** Input height and width. */
  readonly hw: number;
  readonly cout: number;
  /** A first layer needs no input gradient (nn's Sequential asks for none). */
  readonly inputGradient: boolean;
  readonly torch: { readonly forward: TorchOp; readonly backward: TorchOp };
}

const LAYERS: readonly ConvLayer[] = [
  { name: 'conv1', cin: 1, hw: 28, cout: 6, inputGradient: false, torch: { forward: 'conv1_forward', backward: 'conv1_backward' } },
  { name: 'conv2', cin: 6, hw: 12, cout: 16, inputGradient: true, torch: { forward: 'conv2_forward', backward: 'conv2_backward' } },
];

/** Multiply-adds of one product (forward, or each gradient product) times two. */
function flopsOf(l: ConvLayer): number {
  const out = l.hw - 4;
  return 2 * BATCH * l.cout * out * out * l.cin * 25;
}

function figure(timing: Timing, flops: number): Figure {
  return {
    value: timing.medianMs, unit: 'ms', rate: { value: flops / (timing.medianMs * 1e6), unit: 'GFLOP/s' },
    cpu: { value: timing.medianCpuMs, unit: 'CPU ms' }, timing,
  };
}

/** One bnkit kernel call to time: runs it settled and returns every handle it made. */
type Call = () => Promise<Tensor[]>;

/** The forward and backward rows of every layer; without `torch` the anchor says why it is missing. */
export async function layerRows(backend: Backend, label: string, plan: TimingPlan, log: (msg: string) => void, torch?: TorchAnchor): Promise<Row[]> {
  const device = `${backend.device.kind}, ${backend.device.name}`;
  const hostDevice = HOST_DEVICE_KINDS.has(backend.device.kind);
  // A queued device (WebGPU) resolves kernels before the work is done: reading the smallest output waits for it.
  const settle = async (handles: Tensor[]): Promise<Tensor[]> => {
    if (!hostDevice) await backend.read(handles.reduce((s, t) => (sizeOf(t.shape) < sizeOf(s.shape) ? t : s)));
    return handles;
  };
  const random = mulberry32(2);
  const rows: Row[] = [];
  for (const l of LAYERS) {
    const out = l.hw - 4;
    const up = (shape: readonly number[]): Tensor => backend.upload(uniform(random, sizeOf(shape), -1, 1), shape);
    const x = up([BATCH, l.cin, l.hw, l.hw]);
    const weight = up([l.cout, l.cin, 5, 5]);
    const bias = up([l.cout]);
    const dy = up([BATCH, l.cout, out, out]);
    const attrs = { stride: [1, 1], padding: [0, 0] } as const;
    const passes: { what: string; flops: number; call: Call; op: TorchOp }[] = [
      { what: 'forward', flops: flopsOf(l), op: l.torch.forward, call: async () => settle([await requireTraining(backend).conv2d({ x, weight, bias }, attrs)]) },
      {
        what: l.inputGradient ? 'backward' : 'backward (no input gradient)',
        flops: flopsOf(l) * (l.inputGradient ? 2 : 1),
        op: l.torch.backward,
        call: async () => settle(Object.values(await requireTraining(backend).conv2dBackward({ x, weight, dy }, { ...attrs, inputGradient: l.inputGradient }))),
      },
    ];
    try {
      for (const p of passes) {
        const what = `${l.name} ${p.what} (${BATCH},${l.cin},${l.hw},${l.hw}) k5 → ${l.cout}`;
        log(`${label}: ${what} (up to ${plan.warmup} warm-up + ${plan.reps} timed runs${torch ? ', interleaved with PyTorch' : ''})`);
        const mine: Contender = { run: p.call, after: (hs: Tensor[]) => hs.forEach((t) => backend.dispose(t)) } as Contender;
        const contenders = torch ? [mine, torch.contender(p.op) as Contender] : [mine];
        let bnkit: Outcome;
        let theirs: Outcome;
        try {
          const [a, b] = await timeInterleaved(plan, contenders);
          bnkit = { figure: figure(a, p.flops) };
          theirs = b ? { figure: figure(b, p.flops) } : { unavailable: 'no PyTorch anchor in this run (see skipped)' };
        } catch (e) {
          bnkit = { unavailable: e instanceof Error ? e.message : String(e) };
          theirs = torch ? { figure: figure((await timeInterleaved(plan, [torch.contender(p.op) as Contender]))[0], p.flops) } : { unavailable: 'no PyTorch anchor in this run' };
        }
        const notes = hostDevice ? [] : ['bnkit time includes reading the smallest output back (waits for the queued GPU work)'];
        rows.push({
          what, backend: label, device, bnkit,
          anchor: { name: torch ? `${torch.name}, conv2d` : 'PyTorch CPU, conv2d', device: 'host CPU', ...theirs },
          ratio: ratioOf(bnkit, theirs), cpuRatio: cpuRatioOf(bnkit, theirs), targets: [], notes,
        });
      }
    } finally {
      for (const t of [x, weight, bias, dy]) backend.dispose(t);
    }
  }
  return rows;
}
