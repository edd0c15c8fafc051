import type { Backend } from './backend.js';
import { batchNormAttrs } from './batchnorm.js';
import { missingKernels } from './checked.js';
import type { BnkitErrorCode } from './errors.js';
import { KERNEL_TABLE } from './kernel-table.js';
import type { Tensor } from './tensor.js';

/*
 * The calls the API boundary must refuse, as data, so that every backend package's tests run the same list
 * (a test of a backend iterates them; nothing here depends on a test runner). Each call must fail with a
 * typed bnkit error of the given code, whose message matches `phrase`: never a raw TypeError, never a
 * coerced success. Exported as `@bnkit/core/api-boundary`, outside the contract's main entry.
 */

export interface BoundaryCase {
  readonly id: string;
  readonly code: BnkitErrorCode;
  /** What the message must say (the call and the field at fault). */
  readonly phrase: RegExp;
  /** Throws or rejects. */
  readonly call: () => unknown;
}

type Loose = (...args: unknown[]) => unknown;

/**
 * Misuses of an open backend `b`; `sibling` is another instance of the same backend, whose handles `b` must
 * refuse. Uploads a few small tensors to `b` and one to `sibling` (the caller closes both).
 */
export function openBoundaryCases(b: Backend, sibling: Backend): BoundaryCase[] {
  const up = (values: number[], shape: number[]) => b.upload(values, shape);
  const x = up([1, 2, 3, 4, 5, 6], [2, 3]);
  const c = () => up([1, 1, 1], [3]);
  const bn = { x, gamma: c(), beta: c(), runningMean: c(), runningVar: c() };
  const int32Gamma = b.upload(Int32Array.of(1, 1, 1), [3]);
  const loose = (name: keyof Backend | string) => (b as unknown as Record<string, Loose>)[name].bind(b);
  const cases: BoundaryCase[] = [];
  const add = (id: string, code: BnkitErrorCode, phrase: RegExp, call: () => unknown) => cases.push({ id, code, phrase, call });

  const refusedData: [id: string, data: unknown, phrase: RegExp][] = [
    ['null-entry', [1, null, 3], /null at index 1/],
    ['string', 'abc', /array of numbers/],
    ['nested', [[1, 2], [3, 4]], /nested array at index 0/],
    ['booleans', [true, false], /boolean true at index 0/],
    ['string-entries', ['1', '2'], /string "1" at index 0/],
    ['bigint-entries', [1n, 2n], /bigint 1n at index 0/],
    ['array-like', { length: 2, 0: 1, 1: 2 }, /array of numbers/],
    ['null', null, /'data' is null/],
    ['missing', undefined, /'data' is missing/],
  ];
  for (const [id, data, phrase] of refusedData) add(`upload-${id}`, 'INVALID_ARGUMENT', phrase, () => loose('upload')(data, [2]));
  const circular: unknown[] = [2];
  circular.push(circular);
  add('upload-bigint-shape', 'SHAPE', /upload: shape must be a list of non-negative integers, got \["2n"\]/, () => loose('upload')([1, 2], [2n]));
  add('upload-circular-shape', 'SHAPE', /upload: shape must be a list .* contains itself/, () => loose('upload')([1, 2], circular));
  add('upload-no-shape', 'INVALID_ARGUMENT', /upload: argument 'shape' is missing/, () => loose('upload')([1, 2]));
  add('upload-length-mismatch', 'SHAPE', /3 values do not fill shape \[2, 2\]/, () => up([1, 2, 3], [2, 2]));
  add('upload-bad-dtype', 'INVALID_ARGUMENT', /dtype must be 'float32' or 'int32'/, () => loose('upload')([1], [1], 'float64'));
  add('upload-int32-fraction', 'INVALID_ARGUMENT', /int32 data must be integers/, () => b.upload([0.5], [1], 'int32'));

  for (const name of ['read', 'dispose', 'reshape'] as const) {
    add(`${name}-no-handle`, 'INVALID_ARGUMENT', new RegExp(`${name}: argument 't' is missing`), () => loose(name)());
    add(`${name}-null-handle`, 'INVALID_ARGUMENT', new RegExp(`${name}: argument 't' is null`), () => loose(name)(null, [6]));
  }
  add('reshape-no-shape', 'INVALID_ARGUMENT', /reshape: argument 'shape' is missing/, () => loose('reshape')(x));

  const missing = new Set([...missingKernels(b, 'batchNorm'), ...missingKernels(b, 'training')]);
  for (const kernel of Object.keys(KERNEL_TABLE).filter((k) => !missing.has(k))) {
    add(`${kernel}-no-inputs`, 'INVALID_ARGUMENT', new RegExp(`${kernel} inputs must be an object`), () => loose(kernel)());
  }
  const withoutBeta = { x, gamma: bn.gamma, runningMean: bn.runningMean, runningVar: bn.runningVar };
  add('bn-missing-beta', 'INVALID_ARGUMENT', /batchNormTrain input 'beta' is missing/, () => loose('batchNormTrain')(withoutBeta, batchNormAttrs()));
  add('bn-null-beta', 'INVALID_ARGUMENT', /batchNormEval input 'beta' is null/, () => loose('batchNormEval')({ ...bn, beta: null }, batchNormAttrs()));
  add('bn-no-attrs', 'INVALID_ARGUMENT', /BatchNorm attributes must be an object/, () => loose('batchNormEval')(bn));
  add('bn-int32-gamma', 'INVALID_ARGUMENT', /batchNormEval input 'gamma' must be float32, got an int32 tensor/, () => b.batchNormEval({ ...bn, gamma: int32Gamma }, batchNormAttrs()));
  add('bn-bigint-inputs', 'INVALID_ARGUMENT', /batchNormEval inputs must be an object of tensors .*got 1n/, () => loose('batchNormEval')(1n, batchNormAttrs()));
  add('bn-bigint-attrs', 'INVALID_ARGUMENT', /BatchNorm attributes must be an object .*got 1n/, () => loose('batchNormEval')(bn, 1n));
  add('bn-circular-axis', 'AXIS', /axis must be an integer, got an array .* contains itself/, () => loose('batchNormEval')(bn, { ...batchNormAttrs(), axis: circular }));
  add('bn-bigint-input', 'DISPOSED', /batchNormEval input 'x': 1n was not created by this backend/, () => loose('batchNormEval')({ ...bn, x: 1n }, batchNormAttrs()));
  add('bn-number-input', 'DISPOSED', /not created by this backend/, () => loose('batchNormEval')({ ...bn, x: 7 }, batchNormAttrs()));

  const elsewhere: Tensor = sibling.upload([1, 2, 3, 4, 5, 6], [2, 3]);
  add('sibling-read', 'DISPOSED', /not created by this backend/, () => b.read(elsewhere));
  add('sibling-kernel-input', 'DISPOSED', /batchNormEval input 'x'.*not created by this backend/, () => b.batchNormEval({ ...bn, x: elsewhere }, batchNormAttrs()));

  if (b.capabilities.includes('training')) {
    const weight = up([1, 1, 1, 1, 1, 1], [2, 3]);
    const bias = up([0, 0], [2]);
    const int32Weight = b.upload(Int32Array.of(1, 1, 1, 1, 1, 1), [2, 3]);
    add('linear-int32-weight', 'INVALID_ARGUMENT', /linear input 'weight' must be float32, got an int32 tensor/, () => b.linear!({ x, weight: int32Weight, bias }));
    add('linear-missing-bias', 'INVALID_ARGUMENT', /linear input 'bias' is missing/, () => loose('linear')({ x, weight }));
    const floatLabels = up([0, 1], [2]);
    add('sce-float32-labels', 'INVALID_ARGUMENT', /softmaxCrossEntropy input 'labels' must be int32, got a float32 tensor/, () => b.softmaxCrossEntropy!({ logits: x, labels: floatLabels }));
    add('sgd-no-attrs', 'INVALID_ARGUMENT', /sgd lr must be a finite number/, () => loose('sgd')({ param: weight, grad: weight }));
  }
  return cases;
}

/** Every method of a backend `b` that was closed, each of which must give BackendClosedError. */
export function closedBoundaryCases(b: Backend, handle: Tensor): BoundaryCase[] {
  const closed = (id: string, call: () => unknown): BoundaryCase => ({ id, code: 'CLOSED', phrase: /closed/, call });
  const loose = (name: string) => (b as unknown as Record<string, Loose>)[name].bind(b);
  return [
    closed('upload', () => b.upload([1], [1])),
    closed('read', () => b.read(handle)),
    closed('reshape', () => b.reshape(handle, [handle.shape.reduce((a, d) => a * d, 1)])),
    closed('dispose', () => b.dispose(handle)),
    ...Object.keys(KERNEL_TABLE).map((kernel) => closed(kernel, () => loose(kernel)({ x: handle }, batchNormAttrs()))),
  ];
}

/** Runs a case: undefined when the call was refused as the case requires, else what happened instead. */
export async function misrefusal(c: BoundaryCase): Promise<string | undefined> {
  let outcome: unknown;
  try {
    await c.call();
    return `${c.id}: the call was accepted; expected a ${c.code} error matching ${c.phrase}`;
  } catch (e) {
    outcome = e;
  }
  const code = (outcome as { code?: unknown })?.code;
  const message = outcome instanceof Error ? outcome.message : String(outcome);
  if (code === c.code && c.phrase.test(message)) return undefined;
  const name = outcome instanceof Error ? outcome.name : typeof outcome;
  return `${c.id}: expected a ${c.code} error matching ${c.phrase}, got ${name} (code ${String(code)}): ${message}`;
}

export interface BoundaryReport {
  /** How many cases ran. */
  readonly cases: number;
  /** What went wrong, one line per case that was not refused as required (empty when all were). */
  readonly failures: readonly string[];
}

/**
 * Runs every case on two fresh instances from `create`: the open cases, then (after closing both) the
 * closed ones, and checks that `memory()` reports nothing live after `close()`.
 */
export async function runBoundaryCases(create: () => Promise<Backend>): Promise<BoundaryReport> {
  const b = await create();
  const sibling = await create();
  const failures: string[] = [];
  let cases = 0;
  const run = async (list: readonly BoundaryCase[]) => {
    for (const c of list) {
      cases++;
      const failure = await misrefusal(c);
      if (failure) failures.push(failure);
    }
  };
  let handle: Tensor;
  try {
    handle = b.upload([1, 2, 3, 4, 5, 6], [2, 3]);
    await run(openBoundaryCases(b, sibling));
  } finally {
    await Promise.all([b.close(), sibling.close()]);
  }
  await run(closedBoundaryCases(b, handle));
  const memory = b.memory();
  if (memory.tensors !== 0 || memory.bytes !== 0) failures.push(`memory() after close() reports ${JSON.stringify(memory)}, expected nothing live`);
  return { cases, failures };
}
