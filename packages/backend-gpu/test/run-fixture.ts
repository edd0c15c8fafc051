import type { FixtureCase } from '@bnkit/fixtures';
import { requireTraining, type Backend, type Tensor } from '@bnkit/core';

/** Runs one fixture case on a backend and reads back every output it names in `expected`. */
export async function runFixture(backend: Backend, c: FixtureCase): Promise<Record<string, Float32Array | Int32Array>> {
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
