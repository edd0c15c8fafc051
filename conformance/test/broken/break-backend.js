import { createBackend } from '@bnkit/backend-ts';
import { KERNEL_GROUPS } from '@bnkit/core';
import { delegatingBackend } from '../delegating-backend.js';
import * as host from './host-batchnorm.js';

/**
 * The TypeScript backend with some of its calls replaced: `makeOverrides(base)` returns them by name (kernels
 * or handle calls such as dispose), so everything else is the real backend.
 */
export async function withOverrides(name, options, description, makeOverrides) {
  const base = await createBackend(options);
  return delegatingBackend(base, {
    name,
    device: { ...base.device, description: `backend-ts with ${description}` },
    capabilities: base.capabilities,
    kernels: [...KERNEL_GROUPS.batchNorm, ...KERNEL_GROUPS.training],
    overrides: makeOverrides(base),
  });
}

/**
 * The TypeScript backend with one kernel replaced. The replacement reads its inputs back to the host,
 * computes there with one deliberate fault, and uploads the results.
 */
export function withKernel(name, options, kernel, implement) {
  return withOverrides(name, options, `a faulty ${kernel}`, (base) => ({ [kernel]: implement(base) }));
}

async function readParams(b, inputs) {
  return {
    gamma: await b.read(inputs.gamma),
    beta: await b.read(inputs.beta),
    runningMean: await b.read(inputs.runningMean),
    runningVar: await b.read(inputs.runningVar),
  };
}

/** A backend whose batchNormTrain has the given fault (see host-batchnorm.js). */
export function faultyTrain(fault) {
  return (options) =>
    withKernel(`broken-${fault}`, options, 'batchNormTrain', (b) => async (inputs, attrs) => {
      const x = await b.read(inputs.x);
      const r = host.train(x, inputs.x.shape, await readParams(b, inputs), attrs, fault);
      const c = [inputs.gamma.shape[0]];
      const perChannel = (v) => Float32Array.from({ length: c[0] }, (_, i) => v[i]);
      return {
        y: b.upload(Float32Array.from(r.y), inputs.x.shape),
        runningMean: b.upload(perChannel(r.runningMean), c),
        runningVar: b.upload(perChannel(r.runningVar), c),
        mean: b.upload(perChannel(r.mean), c),
        invStd: b.upload(perChannel(r.invStd), c),
      };
    });
}

/** A backend whose batchNormEval normalises with the batch statistics. */
export function faultyEval(fault) {
  return (options) =>
    withKernel(`broken-${fault}`, options, 'batchNormEval', (b) => async (inputs, attrs) => {
      const y = host.evaluate(await b.read(inputs.x), inputs.x.shape, await readParams(b, inputs), attrs, fault);
      return b.upload(Float32Array.from(y), inputs.x.shape);
    });
}

/** A backend whose batchNormTrainBackward has the given fault. */
export function faultyTrainBackward(fault) {
  return (options) =>
    withKernel(`broken-${fault}`, options, 'batchNormTrainBackward', (b) => async (inputs, attrs) => {
      const g = host.trainBackward(
        await b.read(inputs.x), await b.read(inputs.dy), inputs.x.shape, await b.read(inputs.gamma),
        await b.read(inputs.mean), await b.read(inputs.invStd), attrs, fault,
      );
      const c = [inputs.gamma.shape[0]];
      return { dx: b.upload(Float32Array.from(g.dx), inputs.x.shape), dgamma: b.upload(Float32Array.from(g.dgamma), c), dbeta: b.upload(Float32Array.from(g.dbeta), c) };
    });
}
