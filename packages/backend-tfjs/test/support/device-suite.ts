import {
  BATCH_NORM_DEFAULTS, InvalidArgumentError, type Tensor, type TrainingBackend,
} from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type DeviceName } from '@bnkit/backend-tfjs';
import { pytorchFixturesDir, readFixtures, worstViolation, type FixtureTensor, type FixtureTolerance } from '@bnkit/fixtures';
import { convBackward, convForward, convOut, seeded, type ConvCase } from './reference.js';
import { runFixture } from './run-fixture.js';

/** Every PyTorch golden case except the end-to-end LeNet-BN ones (those belong to @bnkit/nn). */
const FIXTURES = readFixtures([pytorchFixturesDir]).filter((f) => f.op !== 'lenetBN');

/** The worst violation of the fixture tolerance rule, described, or null when every value passes. */
function mismatch(actual: ArrayLike<number>, expected: FixtureTensor, tol: FixtureTolerance): string | null {
  if (actual.length !== expected.data.length) return `length ${actual.length} != expected ${expected.data.length}`;
  const { ratio, index: i } = worstViolation(actual, expected.data, tol);
  if (ratio <= 1) return null;
  const e = expected.data[i];
  return `index ${i}: actual ${actual[i]}, expected ${e} (error ${Math.abs(actual[i] - e)}, allowed ${tol.atol + tol.rtol * Math.abs(e)})`;
}

async function values(b: TrainingBackend, t: Tensor): Promise<number[]> {
  return Array.from(await b.read(t));
}

/**
 * The same checks on every tfjs device: every PyTorch golden case, the semantics the fixtures do not
 * pin down (padding and ties), and that repeated training steps leak no tfjs tensors.
 * `skip` names why the device cannot run here; the checks are then reported as skipped with the reason.
 */
export function deviceSuite(device: DeviceName, skip?: string): void {
  const label = skip ? `${device} device (skipped: ${skip})` : `${device} device`;
  describe.skipIf(skip !== undefined)(label, () => {
    let b: TrainingBackend;
    beforeAll(async () => {
      b = await createBackend({ device });
    });
    afterAll(async () => {
      await b?.close();
    });

    it('runs on the requested device', () => {
      expect(b.device.kind).toBe(device);
      expect(b.capabilities).toEqual(['batchNorm', 'training']);
    });

    describe('PyTorch golden fixtures', () => {
      it.each(FIXTURES.map((f) => [f.file, f] as const))('%s', async (_file, f) => {
        const outputs = await runFixture(b, f);
        const failures: string[] = [];
        for (const [key, expected] of Object.entries(f.expected)) {
          const actual = outputs[key];
          if (!actual) {
            failures.push(`${key}: not produced`);
            continue;
          }
          expect(actual.shape).toEqual(expected.shape);
          const bad = mismatch(await b.read(actual), expected, f.tolerance);
          if (bad) failures.push(`${key}: ${bad}`);
        }
        for (const t of new Set(Object.values(outputs))) b.dispose(t);
        expect(failures, `${f.id} (rtol ${f.tolerance.rtol}, atol ${f.tolerance.atol})`).toEqual([]);
      });
    });

    it.each([
      { name: 'stride [2, 1], padding [0, 1], kernel 3x2', xShape: [2, 3, 7, 6], wShape: [4, 3, 3, 2], stride: [2, 1], padding: [0, 1] },
      { name: 'stride 1, padding [1, 2], kernel 3x3', xShape: [2, 2, 5, 4], wShape: [3, 2, 3, 3], stride: [1, 1], padding: [1, 2] },
    ] as const)('conv2d with $name matches a float64 reference (y, dx, dW, db)', async (shape) => {
      const size = (s: readonly number[]) => s.reduce((p, q) => p * q, 1);
      const c: ConvCase = {
        x: seeded(size(shape.xShape), 1), xShape: [...shape.xShape], w: seeded(size(shape.wShape), 2), wShape: [...shape.wShape],
        stride: [...shape.stride], padding: [...shape.padding],
      };
      const bias = seeded(c.wShape[0], 3);
      const yRef = convForward(c, bias);
      const dy = seeded(yRef.length, 4);
      const ref = convBackward(c, dy);
      const x = b.upload(Float32Array.from(c.x), c.xShape);
      const w = b.upload(Float32Array.from(c.w), c.wShape);
      const attrs = { stride: c.stride, padding: c.padding } as const;
      const y = await b.conv2d({ x, weight: w, bias: b.upload(Float32Array.from(bias), [c.wShape[0]]) }, attrs);
      expect(y.shape).toEqual([c.xShape[0], c.wShape[0], ...convOut(c)]);
      const g = await b.conv2dBackward({ x, weight: w, dy: b.upload(Float32Array.from(dy), y.shape) }, attrs);
      const tol = { rtol: 1e-4, atol: 1e-4 };
      for (const [name, actual, expected] of [['y', y, yRef], ['dx', g.dx!, ref.dx], ['dweight', g.dweight, ref.dw], ['dbias', g.dbias, ref.db]] as const) {
        expect(mismatch(await b.read(actual), { shape: [], data: Array.from(expected) }, tol), name).toBeNull();
      }
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
        w: b.upload(Float32Array.from(seeded(6 * 1 * 5 * 5, 5)), [6, 1, 5, 5]),
        cb: b.upload(new Float32Array(6), [6]),
        gamma: b.upload(new Float32Array(6).fill(1), [6]),
        beta: b.upload(new Float32Array(6), [6]),
        fw: b.upload(Float32Array.from(seeded(10 * 6 * 4 * 4, 6)), [10, 96]),
        fb: b.upload(new Float32Array(10), [10]),
      };
      let running = { mean: b.upload(new Float32Array(6), [6]), var: b.upload(new Float32Array(6).fill(1), [6]) };
      const x = b.upload(Float32Array.from(seeded(n * 12 * 12, 7)), [n, 1, 12, 12]);
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
  });
}
