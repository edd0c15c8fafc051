import { axisHandling } from './axis-handling.js';
import { backendAgreement } from './backend-agreement.js';
import { degenerateBatch } from './degenerate-batch.js';
import { errorSemantics } from './error-semantics.js';
import { evalDeterminism } from './eval-determinism.js';
import { goldenFixtures } from './golden-fixtures.js';
import { gradients } from './gradients.js';
import { invariances } from './invariances.js';
import { kernelHygiene } from './kernel-hygiene.js';
import { lenetEndToEnd } from './lenet-end-to-end.js';
import { momentumUpdates } from './momentum.js';
import { nanPropagation } from './nan-propagation.js';
import type { CheckDefinition } from './types.js';
import { zeroMeanUnitVariance } from './zero-mean-unit-variance.js';

/**
 * The checks of docs/checks.md, in order. Check 10 (LeNet-BN end to end) plugs in as one more entry from
 * './lenet-end-to-end.js'; its `skipReason` keeps it off unless `--profile training` (where `--lenet`
 * defaults to quick).
 */
export const CHECKS: readonly CheckDefinition[] = [
  zeroMeanUnitVariance,
  axisHandling,
  degenerateBatch,
  momentumUpdates,
  evalDeterminism,
  gradients,
  invariances,
  goldenFixtures,
  backendAgreement,
  lenetEndToEnd,
  nanPropagation,
  errorSemantics,
  kernelHygiene,
];

export type { CheckContext, CheckDefinition, CheckOutcome, RunSettings } from './types.js';
