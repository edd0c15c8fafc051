import type { BatchNormAttrs, Pool2dAttrs, Tensor, TrainingBackend } from '@bnkit/core';
import type { FixtureCase } from '@bnkit/fixtures';

type Outputs = Record<string, Tensor>;

/** Runs one golden case on a backend and returns every output the case checks, by expected key. */
export async function runFixture(b: TrainingBackend, f: FixtureCase): Promise<Outputs> {
  const up = (key: string, dtype?: 'int32') => b.upload(f.inputs[key].data, f.inputs[key].shape, dtype);
  const attrs = f.attrs as Record<string, unknown>;
  switch (f.op) {
    case 'batchNorm': {
      const bn = attrs as unknown as BatchNormAttrs & { training: boolean };
      const inputs = { x: up('x'), gamma: up('gamma'), beta: up('beta'), runningMean: up('runningMean'), runningVar: up('runningVar') };
      const dy = up('dy');
      if (bn.training) {
        const out = await b.batchNormTrain(inputs, bn);
        const grads = await b.batchNormTrainBackward({ x: inputs.x, dy, gamma: inputs.gamma, mean: out.mean, invStd: out.invStd }, bn);
        return { y: out.y, runningMean: out.runningMean, runningVar: out.runningVar, ...grads };
      }
      const y = await b.batchNormEval(inputs, bn);
      const grads = await b.batchNormEvalBackward({ x: inputs.x, dy, gamma: inputs.gamma, runningMean: inputs.runningMean, runningVar: inputs.runningVar }, bn);
      // Eval mode leaves the running statistics as they were: the case expects the inputs back.
      return { y, runningMean: inputs.runningMean, runningVar: inputs.runningVar, ...grads };
    }
    case 'conv2d': {
      const conv = { stride: attrs.stride as [number, number], padding: attrs.padding as [number, number] };
      const x = up('x');
      const weight = up('weight');
      const y = await b.conv2d({ x, weight, bias: up('bias') }, conv);
      const g = await b.conv2dBackward({ x, weight, dy: up('dy') }, conv);
      return { y, dx: g.dx as Tensor, dweight: g.dweight, dbias: g.dbias };
    }
    case 'linear': {
      const x = up('x');
      const weight = up('weight');
      const y = await b.linear({ x, weight, bias: up('bias') });
      const g = await b.linearBackward({ x, weight, dy: up('dy') });
      return { y, dx: g.dx, dweight: g.dweight, dbias: g.dbias };
    }
    case 'avgPool2d':
    case 'maxPool2d': {
      const pool = attrs as unknown as Pool2dAttrs;
      const x = up('x');
      const dy = up('dy');
      if (f.op === 'avgPool2d') return { y: await b.avgPool2d({ x }, pool), dx: await b.avgPool2dBackward({ x, dy }, pool) };
      return { y: await b.maxPool2d({ x }, pool), dx: await b.maxPool2dBackward({ x, dy }, pool) };
    }
    case 'sigmoid': {
      const y = await b.sigmoid({ x: up('x') });
      return { y, dx: await b.sigmoidBackward({ y, dy: up('dy') }) };
    }
    case 'relu': {
      const x = up('x');
      return { y: await b.relu({ x }), dx: await b.reluBackward({ x, dy: up('dy') }) };
    }
    case 'softmaxCrossEntropy': {
      const out = await b.softmaxCrossEntropy({ logits: up('logits'), labels: up('labels', 'int32') });
      return { loss: out.loss, dlogits: out.dlogits };
    }
    default:
      throw new Error(`${f.file}: no runner for op '${f.op}'`);
  }
}
