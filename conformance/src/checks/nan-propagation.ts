import { missingKernels } from '@bnkit/core';
import fc from 'fast-check';
import { bnCase, type BnCase } from '../arbitraries.js';
import { checkProperty } from '../property.js';
import { withScope } from '../scope.js';
import { bnInjection, bnNanProperty } from './nan-batchnorm.js';
import { BAD_VALUES } from './nan-expectations.js';
import { opInjection, opNanProperty, TRAINING_OPS } from './nan-training-ops.js';
import { missingKernelStatus, type CheckDefinition } from './types.js';

/** A small NCHW case with the defaults, for the examples. */
const SMALL: BnCase = { shape: [3, 4, 2, 2], axis: 1, eps: 1e-5, momentum: 0.9, runningVar: 'unbiased', dataSeed: 11, scale: 1, offset: 0 };

/**
 * Tried first whatever numRuns: every training op with NaN, +Inf and −Inf, beside BatchNorm cases that put
 * each bad value alone into x and into dy, so no kernel's semantics are left to chance.
 */
const EXAMPLES = [
  ...TRAINING_OPS.map((op, k) => ({
    bn: { ...SMALL, momentum: k % 3 === 0 ? 1 : SMALL.momentum },
    injection: { target: k % 2 === 0 ? ('x' as const) : ('dy' as const), values: [BAD_VALUES[k % BAD_VALUES.length]], seed: k },
    op: { op, values: BAD_VALUES, seed: k },
  })),
  // A max-pooling window of padding and one real -Infinity: the gradient goes to that cell, never to the
  // padding (a backend that routes it to the first -Infinity of the padded window loses it).
  {
    bn: { ...SMALL, shape: [1, 2], axis: 0 },
    injection: { target: 'x' as const, values: ['NaN' as const], seed: 0 },
    op: { op: 'maxPool2dBackward' as const, values: ['-Inf' as const], seed: 1956118693 },
  },
];

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
      { examples: EXAMPLES },
    );
    if (withTraining || outcome.status !== 'pass') return outcome;
    const skipped = 'training kernels absent: their NaN semantics skipped';
    return { ...outcome, message: outcome.message ? `${outcome.message}; ${skipped}` : skipped };
  },
};
