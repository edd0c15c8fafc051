import { missingKernels } from '@bnkit/core';
import fc from 'fast-check';
import { bnCase } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { withScope } from '../scope.js';
import { bnInjection, bnNanProperty } from './nan-batchnorm.js';
import { opInjection, opNanProperty } from './nan-training-ops.js';
import { missingKernelStatus, type CheckDefinition } from './types.js';

/**
 * Check 11. NaN and ±Infinity follow docs/nan-semantics.md (PyTorch's behaviour): BatchNorm keeps them inside
 * their channel in training and inside their element in eval, every other output bit for bit unchanged; the
 * training kernels, when the backend has them, propagate them exactly as far as their data dependencies reach.
 * One property, so one seed and path replay either half: each input is a BatchNorm case with its injection
 * plus one training op with its own.
 */
export const nanPropagation: CheckDefinition = {
  id: 'nan-propagation',
  number: 11,
  title: 'NaN/±Inf propagate as PyTorch does: within their channel, never into other channels or elements',
  run: async (ctx) => {
    const missing = missingKernels(ctx.backend, 'training');
    const withTraining = missing.length === 0;
    if (!withTraining && missingKernelStatus('training', ctx.requiredGroups) === 'not-implemented') {
      return { status: 'not-implemented', message: `not implemented: ${missing.join(', ')}` };
    }
    const outcome = await checkProperty(
      ctx,
      fc.record({ bn: bnCase(), injection: bnInjection, op: opInjection }),
      ({ bn, injection, op }) =>
        withScope(ctx.backend, async (scope) => [
          ...(await bnNanProperty(scope, bn, injection)),
          ...(withTraining ? await opNanProperty(scope, op) : []),
        ]),
    );
    if (withTraining || outcome.status !== 'pass') return outcome;
    const skipped = 'training kernels absent: their NaN semantics skipped';
    return { ...outcome, message: outcome.message ? `${outcome.message}; ${skipped}` : skipped };
  },
};
