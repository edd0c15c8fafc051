import { BATCH_NORM_DEFAULTS, InvalidArgumentError, mulberry32, type Tensor, type TrainingBackend } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackend } from '@bnkit/conformance/vitest';
import { createBackend, type DeviceName } from '@bnkit/backend-tfjs';

/** Software WebGPU compiles a kernel per new shape, so it tries fewer inputs per property than the CPU devices. */
const NUM_RUNS: Readonly<Record<DeviceName, number>> = { cpu: 25, wasm: 25, webgpu: 10, tensorflow: 25 };

/** n seeded values uniform in [-1, 1), so the test inputs never change. */
function seeded(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * next() - 1);
}

async function values(b: TrainingBackend, t: Tensor): Promise<number[]> {
  return Array.from(await b.read(t));
}

/**
 * One tfjs device: the shared conformance suite, then on the same instance what it does not pin down for
 * tfjs (the device really used, padding and ties, copies on upload/read, and that repeated training steps
 * leak no tfjs tensors). `skip` names why the device cannot run here; every test is then reported as skipped
 * with the reason.
 */
export function deviceSuite(device: DeviceName, skip?: string): void {
  describeBackend({
    name: '@bnkit/backend-tfjs',
    create: createBackend,
    devices: [device],
    numRuns: NUM_RUNS[device],
    ...(skip !== undefined ? { skip } : {}),
    also: (backend) => describe('tfjs specifics', () => tfjsSpecifics(device, () => backend() as TrainingBackend)),
  });
}

function tfjsSpecifics(device: DeviceName, backend: () => TrainingBackend): void {
  let b: TrainingBackend;
  beforeAll(() => {
    b = backend();
  });

  it('runs on the requested device', () => {
    expect(b.device.kind).toBe(device);
    expect(b.capabilities).toEqual(['batchNorm', 'training']);
  });

  it('conv2dBackward with inputGradient: false returns no dx', async () => {
    const g = await b.conv2dBackward(
      { x: b.upload(new Float32Array(2 * 1 * 6 * 6).fill(1), [2, 1, 6, 6]), weight: b.upload(new Float32Array(3 * 1 * 3 * 3).fill(1), [3, 1, 3, 3]), dy: b.upload(new Float32Array(2 * 3 * 4 * 4).fill(1), [2, 3, 4, 4]) },
      { stride: [1, 1], padding: [0, 0], inputGradient: false },
    );
    expect(g.dx).toBeUndefined();
    expect(await values(b, g.dweight)).toEqual(new Array(27).fill(32));
    expect(await values(b, g.dbias)).toEqual([32, 32, 32]);
  });

  it('a 1×1 convolution and its gradients keep NaN (wasm\'s pointwise convolution clamps it to -Infinity)', async () => {
    const x = b.upload([NaN, 1, 2, 3], [1, 1, 2, 2]);
    const weight = b.upload([2], [1, 1, 1, 1]);
    const y = await b.conv2d({ x, weight, bias: b.upload([0], [1]) }, { stride: [1, 1], padding: [0, 0] });
    expect(await values(b, y)).toEqual([NaN, 2, 4, 6]);
    // dweight sums x·dy over all positions; dx is dy times the weight: both see the NaN.
    const g = await b.conv2dBackward({ x, weight, dy: b.upload([1, 1, 1, NaN], [1, 1, 2, 2]) }, { stride: [1, 1], padding: [0, 0] });
    expect(await values(b, g.dweight)).toEqual([NaN]);
    expect(await values(b, g.dx!)).toEqual([2, 2, 2, NaN]);
  });

  it('avgPool2d counts padding in the divisor (count_include_pad) and spreads the gradient over it', async () => {
    const x = b.upload([1, 1, 1, 1], [1, 1, 2, 2]);
    const attrs = { kernel: [2, 2], stride: [2, 2], padding: [1, 1] } as const;
    expect(await values(b, await b.avgPool2d({ x }, attrs))).toEqual([0.25, 0.25, 0.25, 0.25]);
    const dx = await b.avgPool2dBackward({ x, dy: b.upload([1, 2, 3, 4], [1, 1, 2, 2]) }, attrs);
    expect(await values(b, dx)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('maxPool2d pads with -Infinity and routes each gradient to the first maximum of its window', async () => {
    const padded = { kernel: [2, 2], stride: [2, 2], padding: [1, 1] } as const;
    const neg = b.upload([-1, -2, -3, -4], [1, 1, 2, 2]);
    expect(await values(b, await b.maxPool2d({ x: neg }, padded))).toEqual([-1, -2, -3, -4]);
    expect(await values(b, await b.maxPool2dBackward({ x: neg, dy: b.upload([1, 2, 3, 4], [1, 1, 2, 2]) }, padded))).toEqual([1, 2, 3, 4]);
    // Constant input: every element of every window ties; overlapping 2x2 windows with stride 1.
    const flat = b.upload(new Float32Array(9).fill(5), [1, 1, 3, 3]);
    const overlapping = { kernel: [2, 2], stride: [1, 1], padding: [0, 0] } as const;
    const dx = await b.maxPool2dBackward({ x: flat, dy: b.upload([1, 2, 3, 4], [1, 1, 2, 2]) }, overlapping);
    expect(await values(b, dx)).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });

  it('argmax returns the first index on ties, as int32', async () => {
    const idx = await b.argmax({ x: b.upload([1, 3, 3, 2, 2, 2, 0, -1, 5], [3, 3]) });
    expect(idx.dtype).toBe('int32');
    expect(idx.shape).toEqual([3]);
    expect(await b.read(idx)).toEqual(Int32Array.from([1, 0, 2]));
  });

  it('softmaxCrossEntropy rejects a label outside [0, K) with a typed error', async () => {
    const logits = b.upload([0, 1, 2, 3, 4, 5], [2, 3]);
    await expect(b.softmaxCrossEntropy({ logits, labels: b.upload(Int32Array.from([0, 3]), [2]) })).rejects.toThrow(InvalidArgumentError);
  });

  it('upload copies its input and read returns a copy', async () => {
    const data = Float32Array.from([1, 2, 3]);
    const t = b.upload(data, [3]);
    data[0] = 99;
    const first = await b.read(t);
    first[1] = 99;
    expect(await values(b, t)).toEqual([1, 2, 3]);
    const view = b.reshape(t, [1, 3]);
    b.dispose(t);
    expect(await values(b, view)).toEqual([1, 2, 3]);
    b.dispose(view);
  });

  it('repeated forward/backward/SGD steps leave tf.memory().numTensors and memory() unchanged', async () => {
    const n = 4;
    const params = {
      w: b.upload(seeded(6 * 1 * 5 * 5, 5), [6, 1, 5, 5]),
      cb: b.upload(new Float32Array(6), [6]),
      gamma: b.upload(new Float32Array(6).fill(1), [6]),
      beta: b.upload(new Float32Array(6), [6]),
      fw: b.upload(seeded(10 * 6 * 4 * 4, 6), [10, 96]),
      fb: b.upload(new Float32Array(10), [10]),
    };
    let running = { mean: b.upload(new Float32Array(6), [6]), var: b.upload(new Float32Array(6).fill(1), [6]) };
    const x = b.upload(seeded(n * 12 * 12, 7), [n, 1, 12, 12]);
    const labels = b.upload(Int32Array.from([0, 3, 7, 9]), [n], 'int32');
    const bn = BATCH_NORM_DEFAULTS;
    const pool = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] } as const;
    const conv = { stride: [1, 1], padding: [0, 0] } as const;
    const step = async () => {
      const c = await b.conv2d({ x, weight: params.w, bias: params.cb }, conv);
      const f = await b.batchNormTrain({ x: c, gamma: params.gamma, beta: params.beta, runningMean: running.mean, runningVar: running.var }, bn);
      const s = await b.sigmoid({ x: f.y });
      const p = await b.maxPool2d({ x: s }, pool);
      const flat = b.reshape(p, [n, 96]);
      const logits = await b.linear({ x: flat, weight: params.fw, bias: params.fb });
      const { loss, dlogits } = await b.softmaxCrossEntropy({ logits, labels });
      const lg = await b.linearBackward({ x: flat, weight: params.fw, dy: dlogits });
      const dp = b.reshape(lg.dx, [n, 6, 4, 4]);
      const ds = await b.maxPool2dBackward({ x: s, dy: dp }, pool);
      const dbn = await b.sigmoidBackward({ y: s, dy: ds });
      const bg = await b.batchNormTrainBackward({ x: c, dy: dbn, gamma: params.gamma, mean: f.mean, invStd: f.invStd }, bn);
      const cg = await b.conv2dBackward({ x, weight: params.w, dy: bg.dx }, { ...conv, inputGradient: false });
      const pred = await b.argmax({ x: logits });
      const updates: [keyof typeof params, Tensor][] = [['w', cg.dweight], ['cb', cg.dbias], ['gamma', bg.dgamma], ['beta', bg.dbeta], ['fw', lg.dweight], ['fb', lg.dbias]];
      for (const [key, grad] of updates) {
        const next = await b.sgd({ param: params[key], grad }, { lr: 0.1 });
        b.dispose(params[key]);
        params[key] = next;
      }
      b.dispose(running.mean);
      b.dispose(running.var);
      running = { mean: f.runningMean, var: f.runningVar };
      const lossValue = (await b.read(loss))[0];
      for (const t of [c, f.y, f.mean, f.invStd, s, p, flat, logits, loss, dlogits, lg.dx, lg.dweight, lg.dbias, dp, ds, dbn, bg.dx, bg.dgamma, bg.dbeta, cg.dweight, cg.dbias, pred]) b.dispose(t);
      return lossValue;
    };
    const first = await step();
    const tfTensors = tf.memory().numTensors;
    const handles = b.memory();
    let last = first;
    for (let i = 0; i < 4; i++) {
      last = await step();
      expect(tf.memory().numTensors).toBe(tfTensors);
      expect(b.memory()).toEqual(handles);
    }
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(first);
  });
}
