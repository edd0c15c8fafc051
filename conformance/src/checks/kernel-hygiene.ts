import {
  KERNEL_GROUPS, conv2dGeometry, missingKernels, mulberry32, pool2dGeometry, uniform,
  type Backend, type DType, type KernelName, type Shape, type Tensor,
} from '@bnkit/core';
import fc from 'fast-check';
import { attrsOf, bnCase, materialise, type BnCase } from '../arbitraries.js';
import { messageOf } from '../kernel-errors.js';
import { BehaviourViolated, checkProperty } from '../property.js';
import type { CheckDefinition } from './types.js';

/** One input of a kernel call, as host data. */
interface HostInput {
  readonly data: Float32Array | Int32Array;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A kernel call drawn for the property: which kernel, its inputs by name, its attributes. */
interface KernelCall {
  readonly kernel: KernelName;
  readonly inputs: Readonly<Record<string, HostInput>>;
  readonly attrs?: object;
}

const sizeOfShape = (shape: Shape) => shape.reduce((p, d) => p * d, 1);

/** The host inputs of every kernel, filled from one seed; geometries small so every kernel call is cheap. */
function kernelCalls(c: BnCase, seed: number): KernelCall[] {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const f32 = (shape: Shape): HostInput => ({ data: uniform(next, sizeOfShape(shape), -2, 2), shape, dtype: 'float32' });

  const d = materialise(c);
  const bnAttrs = attrsOf(c);
  const perChannel = (v: Float32Array): HostInput => ({ data: v, shape: [v.length], dtype: 'float32' });
  const x: HostInput = { data: d.x, shape: c.shape, dtype: 'float32' };
  const dy: HostInput = { data: d.dy, shape: c.shape, dtype: 'float32' };
  const gamma = perChannel(d.gamma);
  const params = { gamma, beta: perChannel(d.beta), runningMean: perChannel(d.runningMean), runningVar: perChannel(d.runningVar) };
  // Any positive invStd and any mean are valid saved statistics for the backward kernel's contract.
  const saved = { mean: perChannel(d.runningMean), invStd: perChannel(d.runningVar.map((v) => 1 / Math.sqrt(v))) };

  const [n, ch, h, w] = [int(1, 2), int(1, 3), int(3, 6), int(3, 6)];
  const image = f32([n, ch, h, w]);
  const convAttrs = { stride: [int(1, 2), int(1, 2)] as const, padding: [int(0, 1), int(0, 1)] as const };
  const weight = f32([int(1, 3), ch, int(1, 3), int(1, 3)]);
  const conv = conv2dGeometry(image.shape, weight.shape, convAttrs);
  const k = int(1, 3);
  const poolAttrs = { kernel: [k, k] as const, stride: [int(1, 2), int(1, 2)] as const, padding: [int(0, k >> 1), int(0, k >> 1)] as const };
  const pool = pool2dGeometry(image.shape, poolAttrs);
  const poolDy = f32([n, ch, pool.oh, pool.ow]);
  const [rows, fin, fout] = [int(1, 3), int(1, 5), int(1, 4)];
  const features = f32([rows, fin]);
  const linearWeight = f32([fout, fin]);
  const logits = f32([rows, fout]);
  const labels: HostInput = { data: Int32Array.from({ length: rows }, () => int(0, fout - 1)), shape: [rows], dtype: 'int32' };
  const flat = f32([rows, fout]);
  const sigmoidY: HostInput = { ...flat, data: flat.data.map((v) => 1 / (1 + Math.exp(-v))) };

  return [
    { kernel: 'batchNormTrain', inputs: { x, ...params }, attrs: bnAttrs },
    { kernel: 'batchNormTrainBackward', inputs: { x, dy, gamma, ...saved }, attrs: bnAttrs },
    { kernel: 'batchNormEval', inputs: { x, ...params }, attrs: bnAttrs },
    { kernel: 'batchNormEvalBackward', inputs: { x, dy, gamma, runningMean: params.runningMean, runningVar: params.runningVar }, attrs: bnAttrs },
    { kernel: 'conv2d', inputs: { x: image, weight, bias: f32([conv.cout]) }, attrs: convAttrs },
    { kernel: 'conv2dBackward', inputs: { x: image, weight, dy: f32([n, conv.cout, conv.oh, conv.ow]) }, attrs: convAttrs },
    { kernel: 'linear', inputs: { x: features, weight: linearWeight, bias: f32([fout]) } },
    { kernel: 'linearBackward', inputs: { x: features, weight: linearWeight, dy: f32([rows, fout]) } },
    { kernel: 'avgPool2d', inputs: { x: image }, attrs: poolAttrs },
    { kernel: 'avgPool2dBackward', inputs: { x: image, dy: poolDy }, attrs: poolAttrs },
    { kernel: 'maxPool2d', inputs: { x: image }, attrs: poolAttrs },
    { kernel: 'maxPool2dBackward', inputs: { x: image, dy: poolDy }, attrs: poolAttrs },
    { kernel: 'sigmoid', inputs: { x: flat } },
    { kernel: 'sigmoidBackward', inputs: { y: sigmoidY, dy: f32(flat.shape) } },
    { kernel: 'relu', inputs: { x: flat } },
    { kernel: 'reluBackward', inputs: { x: flat, dy: f32(flat.shape) } },
    { kernel: 'softmaxCrossEntropy', inputs: { logits, labels } },
    { kernel: 'sgd', inputs: { param: flat, grad: f32(flat.shape) }, attrs: { lr: uniform(next, 1, 0.01, 1)[0] } },
    { kernel: 'argmax', inputs: { x: logits } },
  ];
}

/** Index of the first element whose bits differ (NaN payloads and −0 included), or −1. */
function firstBitDifference(a: Float32Array | Int32Array, b: Float32Array | Int32Array): number {
  if (a.length !== b.length) return 0;
  const bits = (v: Float32Array | Int32Array) => new Int32Array(v.buffer, v.byteOffset, v.length);
  const [x, y] = [bits(a), bits(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function expectSameBits(what: string, actual: Float32Array | Int32Array, expected: Float32Array | Int32Array): void {
  const i = firstBitDifference(actual, expected);
  if (i >= 0) throw new BehaviourViolated(`${what} changed: [${i}] is ${actual[i]}, was ${expected[i]}`);
}

/** The tensors of a kernel result (one tensor or an object of them), by output name. */
function outputsOf(result: unknown): [string, Tensor][] {
  const isTensor = (v: unknown): v is Tensor => typeof v === 'object' && v !== null && 'shape' in v && 'dtype' in v;
  if (isTensor(result)) return [['output', result]];
  return Object.entries(result as Record<string, unknown>).filter((e): e is [string, Tensor] => isTensor(e[1]));
}

/**
 * One call under watch: outputs are fresh handles (no input handle, no two outputs the same handle);
 * every input reads back bit-identical afterwards; every output reads the same after the inputs are
 * disposed (an output that shares an input's storage must not be freed with it). Every handle is
 * disposed exactly once whatever happens.
 */
async function watchCall(backend: Backend, call: KernelCall): Promise<void> {
  const live = new Set<Tensor>();
  const dispose = (t: Tensor) => {
    if (live.delete(t)) backend.dispose(t);
  };
  try {
    const inputs = Object.fromEntries(
      Object.entries(call.inputs).map(([name, h]) => {
        const t = backend.upload(h.data, h.shape, h.dtype);
        live.add(t);
        return [name, t];
      }),
    );
    const inputHandles = Object.entries(inputs);
    const kernel = (backend as unknown as Record<string, (i: object, a?: object) => Promise<unknown>>)[call.kernel];
    const outputs = outputsOf(await kernel.call(backend, inputs, call.attrs));
    for (const [, t] of outputs) live.add(t);

    outputs.forEach(([name, t], i) => {
      const input = inputHandles.find(([, h]) => h === t);
      if (input) throw new BehaviourViolated(`${call.kernel} returned its input handle '${input[0]}' as output '${name}'`);
      const twin = outputs.slice(0, i).find(([, u]) => u === t);
      if (twin) throw new BehaviourViolated(`${call.kernel} returned one handle as both '${twin[0]}' and '${name}'`);
    });
    for (const [name, t] of inputHandles) {
      expectSameBits(`${call.kernel} input '${name}' after the call`, await backend.read(t), call.inputs[name].data);
    }
    const before = await Promise.all(outputs.map(([, t]) => backend.read(t)));
    for (const [, t] of inputHandles) dispose(t);
    for (const [i, [name, t]] of outputs.entries()) {
      let after: Float32Array | Int32Array;
      try {
        after = await backend.read(t);
      } catch (e) {
        throw new BehaviourViolated(`${call.kernel} output '${name}' is unreadable once the inputs are disposed: ${messageOf(e)}`);
      }
      expectSameBits(`${call.kernel} output '${name}' after disposing the inputs`, after, before[i]);
    }
  } finally {
    for (const t of [...live]) dispose(t);
  }
}

/** The kernels the property calls: the BatchNorm group always, and the training group when present or required. */
function kernelsUnderTest(backend: Backend, trainingRequired: boolean): ReadonlySet<string> {
  const training = trainingRequired || missingKernels(backend, 'training').length === 0 ? KERNEL_GROUPS.training : [];
  return new Set([...KERNEL_GROUPS.batchNorm, ...training]);
}

/**
 * Check 13. Every kernel keeps the handle discipline of the contract: it returns new handles (never an
 * input, never one handle for two outputs), leaves its inputs bit-identical, and its outputs stay valid
 * and unchanged when the inputs are disposed. Inputs are small and seeded; the BatchNorm attributes come
 * from the same draws as the other checks, so momentum 0 and 1 (where an output equals an input or
 * another output in value) are drawn often.
 */
export const kernelHygiene: CheckDefinition = {
  id: 'kernel-hygiene',
  number: 13,
  title: 'kernel hygiene (new output handles, inputs unchanged, outputs independent of their inputs)',
  run: (ctx) => {
    const kernels = kernelsUnderTest(ctx.backend, ctx.requiredGroups.includes('training'));
    return checkProperty(
      ctx,
      fc.tuple(bnCase({ maxDim: 4, largeBatches: false }), fc.integer({ min: 0, max: 0x7fffffff })),
      async ([c, seed]) => {
        for (const call of kernelCalls(c, seed)) if (kernels.has(call.kernel)) await watchCall(ctx.backend, call);
        return [];
      },
    );
  },
};
