import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@bnkit/backend-ts';
import type { Pair } from '@bnkit/core';
import { bnkitFixturesDir, pytorchFixturesDir, readFixtures, worstViolation, type FixtureCase } from '@bnkit/fixtures';
import { read, type TrainingBackend } from './kernels-support.js';

/** Every golden case of the training kernels (PyTorch's and bnkit's own NumPy set), within its stored tolerance. */

const OPS: readonly string[] = ['conv2d', 'linear', 'avgPool2d', 'maxPool2d', 'relu', 'sigmoid', 'softmaxCrossEntropy'];

/** The cases stored under `<op>/` of either suite for one of OPS. */
const CASES = readFixtures([pytorchFixturesDir, bnkitFixturesDir]).filter((c) => OPS.includes(c.file.split('/')[0]));

/** Runs one fixture through the backend and returns what it produced under the fixture's expected names. */
async function evaluate(b: TrainingBackend, f: FixtureCase): Promise<Record<string, Float32Array | Int32Array>> {
  const t = (name: string, dtype: 'float32' | 'int32' = 'float32') => b.upload(f.inputs[name].data, f.inputs[name].shape, dtype);
  const out: Record<string, Float32Array | Int32Array> = {};
  switch (f.op) {
    case 'conv2d': {
      const attrs = { stride: f.attrs.stride as Pair, padding: f.attrs.padding as Pair };
      const x = t('x'), weight = t('weight');
      out.y = await read(b, await b.conv2d({ x, weight, bias: t('bias') }, attrs));
      const g = await b.conv2dBackward({ x, weight, dy: t('dy') }, attrs);
      Object.assign(out, { dx: await read(b, g.dx), dweight: await read(b, g.dweight), dbias: await read(b, g.dbias) });
      break;
    }
    case 'linear': {
      const x = t('x'), weight = t('weight');
      out.y = await read(b, await b.linear({ x, weight, bias: t('bias') }));
      const g = await b.linearBackward({ x, weight, dy: t('dy') });
      Object.assign(out, { dx: await read(b, g.dx), dweight: await read(b, g.dweight), dbias: await read(b, g.dbias) });
      break;
    }
    case 'avgPool2d':
    case 'maxPool2d': {
      const attrs = { kernel: f.attrs.kernel as Pair, stride: f.attrs.stride as Pair, padding: f.attrs.padding as Pair };
      const x = t('x');
      const forward = f.op === 'avgPool2d' ? b.avgPool2d : b.maxPool2d;
      const backward = f.op === 'avgPool2d' ? b.avgPool2dBackward : b.maxPool2dBackward;
      out.y = await read(b, await forward.call(b, { x }, attrs));
      out.dx = await read(b, await backward.call(b, { x, dy: t('dy') }, attrs));
      break;
    }
    case 'relu': {
      const x = t('x');
      out.y = await read(b, await b.relu({ x }));
      out.dx = await read(b, await b.reluBackward({ x, dy: t('dy') }));
      break;
    }
    case 'sigmoid': {
      const y = await b.sigmoid({ x: t('x') });
      out.y = await read(b, y);
      out.dx = await read(b, await b.sigmoidBackward({ y, dy: t('dy') }));
      break;
    }
    case 'softmaxCrossEntropy': {
      const r = await b.softmaxCrossEntropy({ logits: t('logits'), labels: t('labels', 'int32') });
      out.loss = await read(b, r.loss);
      out.dlogits = await read(b, r.dlogits);
      break;
    }
    default:
      throw new Error(`no runner for op ${f.op}`);
  }
  return out;
}

describe.each([1, 2])('golden fixtures, %i thread(s)', (threads) => {
  let b: TrainingBackend;
  beforeAll(async () => {
    b = (await createBackend({ threads })) as TrainingBackend;
  });
  afterAll(() => b.close());

  it('finds fixtures for every training op', () => {
    expect(new Set(CASES.map((c) => c.op))).toEqual(new Set(OPS));
  });

  it.each(CASES.map((c) => [c.id, c] as const))('%s', async (_id, f) => {
    const got = await evaluate(b, f);
    for (const [name, e] of Object.entries(f.expected)) {
      const a = got[name];
      expect(a, `${f.id}: no output ${name}`).toBeDefined();
      expect(a.length, `${f.id} ${name} size`).toBe(e.data.length);
      const { ratio, index } = worstViolation(a, e.data, f.tolerance);
      expect(ratio, `${f.id} ${name}[${index}]: got ${a[index]}, expected ${e.data[index]}`).toBeLessThanOrEqual(1);
    }
  });
});
