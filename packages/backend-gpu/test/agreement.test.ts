import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTraining, sizeOf, type Backend, type Shape, type Tensor, type TrainingBackend } from '@bnkit/core';
import createTsBackend from '@bnkit/backend-ts';
import createBackend from '@bnkit/backend-gpu';
import { mulberry32 } from '@bnkit/data';
import { worstViolation } from '@bnkit/fixtures';

/*
 * Backend agreement (conformance check 9): random inputs through this backend on WebGPU and through the
 * TypeScript reference backend; every output must agree within float32 tolerance.
 */
const TOLERANCE = { rtol: 1e-4, atol: 1e-4 };

type Inputs = Record<string, { shape: Shape; data: Float32Array | Int32Array; dtype?: 'int32' }>;
type Scenario = (b: TrainingBackend, t: Record<string, Tensor>) => Promise<Record<string, Tensor>>;

function random(seed: number, shapes: Record<string, Shape>, scale = 1, offset = 0): Inputs {
  const r = mulberry32(seed);
  const out: Inputs = {};
  for (const [name, shape] of Object.entries(shapes)) {
    out[name] = { shape, data: Float32Array.from({ length: sizeOf(shape) }, () => offset + scale * (2 * r() - 1)) };
  }
  return out;
}

async function run(backend: Backend, inputs: Inputs, scenario: Scenario): Promise<Record<string, Float32Array | Int32Array>> {
  const tensors: Record<string, Tensor> = {};
  for (const [name, v] of Object.entries(inputs)) tensors[name] = backend.upload(v.data, v.shape, v.dtype);
  const outputs = await scenario(requireTraining(backend), tensors);
  const values: Record<string, Float32Array | Int32Array> = {};
  for (const [name, t] of Object.entries(outputs)) values[name] = await backend.read(t);
  for (const t of new Set([...Object.values(tensors), ...Object.values(outputs)])) backend.dispose(t);
  return values;
}

const bnAttrs = (axis: number) => ({ axis, eps: 1e-5, momentum: 0.9, runningVar: 'unbiased' as const });

function bnScenario(training: boolean, axis: number): Scenario {
  return async (b, t) => {
    const inputs = { x: t.x, gamma: t.gamma, beta: t.beta, runningMean: t.runningMean, runningVar: t.runningVar };
    if (!training) {
      const y = await b.batchNormEval(inputs, bnAttrs(axis));
      const g = await b.batchNormEvalBackward({ x: t.x, dy: t.dy, gamma: t.gamma, runningMean: t.runningMean, runningVar: t.runningVar }, bnAttrs(axis));
      return { y, ...g };
    }
    const f = await b.batchNormTrain(inputs, bnAttrs(axis));
    const g = await b.batchNormTrainBackward({ x: t.x, dy: t.dy, gamma: t.gamma, mean: f.mean, invStd: f.invStd }, bnAttrs(axis));
    return { ...f, ...g };
  };
}

function bnInputs(seed: number, shape: Shape, axis: number, offset = 0): Inputs {
  const c = shape[axis < 0 ? axis + shape.length : axis];
  const inputs = random(seed, { x: shape, dy: shape, gamma: [c], beta: [c], runningMean: [c] }, 2, 0);
  inputs.x.data = inputs.x.data.map((v) => v + offset);
  inputs.runningVar = { shape: [c], data: Float32Array.from({ length: c }, (_, i) => 0.5 + i / c) };
  return inputs;
}

const conv = (stride: [number, number], padding: [number, number]): Scenario => async (b, t) => ({
  y: await b.conv2d({ x: t.x, weight: t.weight, bias: t.bias }, { stride, padding }),
  ...(await b.conv2dBackward({ x: t.x, weight: t.weight, dy: t.dy }, { stride, padding })),
});

const pool = (kind: 'avg' | 'max', kernel: [number, number], stride: [number, number], padding: [number, number]): Scenario =>
  async (b, t) => {
    const attrs = { kernel, stride, padding };
    return kind === 'avg'
      ? { y: await b.avgPool2d({ x: t.x }, attrs), dx: await b.avgPool2dBackward({ x: t.x, dy: t.dy }, attrs) }
      : { y: await b.maxPool2d({ x: t.x }, attrs), dx: await b.maxPool2dBackward({ x: t.x, dy: t.dy }, attrs) };
  };

const labels = (seed: number, n: number, k: number) => ({ shape: [n], dtype: 'int32' as const, data: Int32Array.from({ length: n }, (_, i) => Math.floor(mulberry32(seed + i)() * k)) });

const CASES: Array<[string, Inputs, Scenario]> = [
  ['batchNorm train NCHW 8x6x12x12', bnInputs(1, [8, 6, 12, 12], 1), bnScenario(true, 1)],
  ['batchNorm train NC 32x10', bnInputs(2, [32, 10], 1), bnScenario(true, 1)],
  ['batchNorm train NHWC 4x5x5x3 axis -1, offset 100', bnInputs(3, [4, 5, 5, 3], -1, 100), bnScenario(true, -1)],
  ['batchNorm train axis 0 of 7x3x2', bnInputs(4, [7, 3, 2], 0), bnScenario(true, 0)],
  ['batchNorm eval NCHW 3x4x6x6', bnInputs(5, [3, 4, 6, 6], 1), bnScenario(false, 1)],
  ['conv2d 4x3x9x9 k3 stride 2x1 padding 1x0', random(6, { x: [4, 3, 9, 9], weight: [5, 3, 3, 3], bias: [5], dy: [4, 5, 5, 7] }), conv([2, 1], [1, 0])],
  ['conv2d LeNet conv2 8x6x12x12', random(7, { x: [8, 6, 12, 12], weight: [16, 6, 5, 5], bias: [16], dy: [8, 16, 8, 8] }), conv([1, 1], [0, 0])],
  ['linear 16x50 -> 30', random(8, { x: [16, 50], weight: [30, 50], bias: [30], dy: [16, 30] }), async (b, t) => ({
    y: await b.linear({ x: t.x, weight: t.weight, bias: t.bias }),
    ...(await b.linearBackward({ x: t.x, weight: t.weight, dy: t.dy })),
  })],
  ['avgPool2d k3 s2 p1', random(9, { x: [3, 4, 10, 10], dy: [3, 4, 5, 5] }), pool('avg', [3, 3], [2, 2], [1, 1])],
  ['maxPool2d k3 s2 p1', random(10, { x: [3, 4, 10, 10], dy: [3, 4, 5, 5] }), pool('max', [3, 3], [2, 2], [1, 1])],
  ['maxPool2d k2 s1', random(11, { x: [2, 3, 7, 7], dy: [2, 3, 6, 6] }), pool('max', [2, 2], [1, 1], [0, 0])],
  ['sigmoid, relu', random(12, { x: [5, 40], dy: [5, 40] }, 12), async (b, t) => {
    const y = await b.sigmoid({ x: t.x });
    return { y, dy: await b.sigmoidBackward({ y, dy: t.dy }), r: await b.relu({ x: t.x }), dr: await b.reluBackward({ x: t.x, dy: t.dy }) };
  }],
  ['softmaxCrossEntropy 40x10, argmax', { ...random(13, { logits: [40, 10] }, 30), labels: labels(14, 40, 10) }, async (b, t) => ({
    ...(await b.softmaxCrossEntropy({ logits: t.logits, labels: t.labels })),
    argmax: await b.argmax({ x: t.logits }),
  })],
  ['sgd', random(15, { p: [7, 9], g: [7, 9] }), async (b, t) => ({ p: await b.sgd({ param: t.p, grad: t.g }, { lr: 0.3 }) })],
];

describe('agreement with @bnkit/backend-ts on random inputs', () => {
  let gpu: Backend;
  let ts: Backend;
  beforeAll(async () => {
    gpu = await createBackend({ device: 'webgpu' });
    ts = await createTsBackend({ threads: 1 });
  });
  afterAll(async () => {
    await gpu?.close();
    await ts?.close();
  });

  it.each(CASES)('%s', async (_name, inputs, scenario) => {
    const expected = await run(ts, inputs, scenario);
    const actual = await run(gpu, inputs, scenario);
    for (const [key, e] of Object.entries(expected)) {
      expect(actual[key].constructor, key).toBe(e.constructor);
      const { ratio, index } = worstViolation(actual[key], e, TOLERANCE);
      expect(ratio, `${key}[${index}]: gpu ${actual[key][index]}, ts ${e[index]}`).toBeLessThanOrEqual(1);
    }
    expect(gpu.memory().tensors).toBe(0);
  });
});
