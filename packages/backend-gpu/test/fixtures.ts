import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTraining, type Backend, type Tensor } from '@bnkit/core';

/** The PyTorch golden cases of the repository (format bnkit-fixture/1). */
export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/pytorch');

export interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
}

export interface Fixture {
  readonly id: string;
  readonly op: string;
  readonly file: string;
  readonly attrs: Record<string, unknown>;
  readonly inputs: Record<string, FixtureTensor>;
  readonly expected: Record<string, FixtureTensor>;
  readonly tolerance: { rtol: number; atol: number };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.json') ? [path] : [];
  });
}

export function loadFixtures(): Fixture[] {
  return walk(FIXTURE_DIR)
    .sort()
    .flatMap((file) => {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Omit<Fixture, 'file'> | Omit<Fixture, 'file'>[];
      return (Array.isArray(parsed) ? parsed : [parsed]).map((c) => ({ ...c, file: relative(FIXTURE_DIR, file) }));
    });
}

/** Worst violation of |a − e| <= atol + rtol·|e| as a ratio (<= 1 passes), and where it happened. */
export function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { rtol: number; atol: number }) {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const allowed = tol.atol + tol.rtol * Math.abs(expected[i]);
    const ratio = Number.isNaN(actual[i]) ? Infinity : Math.abs(actual[i] - expected[i]) / allowed;
    if (!(ratio <= worst)) {
      worst = ratio;
      at = i;
    }
  }
  return { worst, at, actual: actual[at], expected: expected[at] };
}

/** Runs one fixture case on a backend and reads back every output it names in `expected`. */
export async function runFixture(backend: Backend, c: Fixture): Promise<Record<string, Float32Array | Int32Array>> {
  const made: Tensor[] = [];
  const up = (name: string, dtype?: 'int32') => {
    const t = c.inputs[name];
    const tensor = backend.upload(dtype === 'int32' ? Int32Array.from(t.data) : Float32Array.from(t.data), t.shape, dtype);
    made.push(tensor);
    return tensor;
  };
  const a = c.attrs as Record<string, never>;
  const outputs: Record<string, Tensor> = {};
  const tr = () => requireTraining(backend);
  switch (c.op) {
    case 'batchNorm': {
      const attrs = { axis: a.axis, eps: a.eps, momentum: a.momentum, runningVar: a.runningVar };
      const inputs = { x: up('x'), gamma: up('gamma'), beta: up('beta'), runningMean: up('runningMean'), runningVar: up('runningVar') };
      const dy = up('dy');
      if (a.training) {
        const f = await backend.batchNormTrain(inputs, attrs);
        const b = await backend.batchNormTrainBackward({ x: inputs.x, dy, gamma: inputs.gamma, mean: f.mean, invStd: f.invStd }, attrs);
        Object.assign(outputs, { y: f.y, runningMean: f.runningMean, runningVar: f.runningVar, ...b });
        made.push(f.mean, f.invStd);
      } else {
        const y = await backend.batchNormEval(inputs, attrs);
        const b = await backend.batchNormEvalBackward({ x: inputs.x, dy, gamma: inputs.gamma, runningMean: inputs.runningMean, runningVar: inputs.runningVar }, attrs);
        Object.assign(outputs, { y, runningMean: inputs.runningMean, runningVar: inputs.runningVar, ...b });
      }
      break;
    }
    case 'conv2d': {
      const attrs = { stride: a.stride, padding: a.padding };
      const x = up('x');
      const weight = up('weight');
      outputs.y = await tr().conv2d({ x, weight, bias: up('bias') }, attrs);
      Object.assign(outputs, await tr().conv2dBackward({ x, weight, dy: up('dy') }, attrs));
      break;
    }
    case 'linear': {
      const x = up('x');
      const weight = up('weight');
      outputs.y = await tr().linear({ x, weight, bias: up('bias') });
      Object.assign(outputs, await tr().linearBackward({ x, weight, dy: up('dy') }));
      break;
    }
    case 'avgPool2d':
    case 'maxPool2d': {
      const attrs = { kernel: a.kernel, stride: a.stride, padding: a.padding };
      const x = up('x');
      const b = tr();
      outputs.y = await (c.op === 'avgPool2d' ? b.avgPool2d({ x }, attrs) : b.maxPool2d({ x }, attrs));
      const dy = up('dy');
      outputs.dx = await (c.op === 'avgPool2d' ? b.avgPool2dBackward({ x, dy }, attrs) : b.maxPool2dBackward({ x, dy }, attrs));
      break;
    }
    case 'sigmoid': {
      const y = await tr().sigmoid({ x: up('x') });
      Object.assign(outputs, { y, dx: await tr().sigmoidBackward({ y, dy: up('dy') }) });
      break;
    }
    case 'relu': {
      const x = up('x');
      Object.assign(outputs, { y: await tr().relu({ x }), dx: await tr().reluBackward({ x, dy: up('dy') }) });
      break;
    }
    case 'softmaxCrossEntropy':
      Object.assign(outputs, await tr().softmaxCrossEntropy({ logits: up('logits'), labels: up('labels', 'int32') }));
      break;
    default:
      throw new Error(`fixture ${c.id}: op '${c.op}' has no runner here`);
  }
  const result: Record<string, Float32Array | Int32Array> = {};
  for (const key of Object.keys(c.expected)) {
    if (!outputs[key]) throw new Error(`fixture ${c.id}: no output '${key}'`);
    result[key] = await backend.read(outputs[key]);
  }
  for (const t of new Set([...made, ...Object.values(outputs)])) backend.dispose(t);
  return result;
}
