import { batchNormAttrs, missingKernels, type Backend, type Tensor, type TrainingBackend } from '@bnkit/core';
import { errorCode, messageOf } from '../kernel-errors.js';
import { missingKernelStatus, type CheckContext, type CheckDefinition } from './types.js';
import type { Status } from '../report/types.js';

/*
 * Check 12 holds the backend, as its factory returned it, to the error and lifecycle rules of the contract
 * (docs/errors-and-lifecycle.md). The suite's own `checked()` wrapper would enforce them for any backend,
 * so this check must not go through it: a backend that skips validation fails here. Errors are recognised
 * by `code` and a phrase of the message, never by class, since a backend may bring its own copy of core.
 */

interface SubCase {
  readonly id: string;
  readonly status: Status;
  /** Which misuse gave which error (or none). */
  readonly message: string;
}

/** The error a misuse must raise: its code and, where the contract fixes one, a phrase of its message. */
interface Expected {
  readonly code: string;
  readonly phrase?: RegExp;
}

async function outcomeOf(call: () => unknown): Promise<{ error?: unknown; value?: unknown }> {
  try {
    return { value: await call() };
  } catch (error) {
    return { error: error ?? new Error(String(error)) };
  }
}

/** Runs a misuse and reports whether it raised the expected error. */
async function misuse(id: string, what: string, expected: Expected, call: () => unknown): Promise<SubCase> {
  const { error } = await outcomeOf(call);
  const want = `${expected.code}${expected.phrase ? ` saying ${String(expected.phrase)}` : ''}`;
  if (error === undefined) return { id, status: 'fail', message: `${what} → no error (expected ${want})` };
  const ok = errorCode(error) === expected.code && (!expected.phrase || expected.phrase.test(messageOf(error)));
  const got = `${errorCode(error) ?? 'no code'} ${messageOf(error)}`;
  return { id, status: ok ? 'pass' : 'fail', message: `${what} → ${got}${ok ? '' : ` (expected ${want})`}` };
}

/** Runs a call that must succeed and satisfy `holds` (which returns what was wrong, or undefined). */
async function allowed(id: string, what: string, call: () => unknown, holds: (value: unknown) => string | undefined | Promise<string | undefined>): Promise<SubCase> {
  const { error, value } = await outcomeOf(call);
  if (error !== undefined) return { id, status: 'fail', message: `${what} → ${errorCode(error) ?? 'no code'} ${messageOf(error)} (expected no error)` };
  const wrong = await holds(value);
  return { id, status: wrong ? 'fail' : 'pass', message: `${what} → ${wrong ?? 'ok'}` };
}

const DISPOSED: Expected = { code: 'DISPOSED', phrase: /disposed/ };
const FOREIGN: Expected = { code: 'DISPOSED', phrase: /not created by this backend/ };
const CLOSED: Expected = { code: 'CLOSED' };
const INVALID: Expected = { code: 'INVALID_ARGUMENT' };
const SHAPE: Expected = { code: 'SHAPE' };

/** Handles a sub-case makes, freed at the end whatever the backend did with them. */
class Made {
  readonly #handles: Tensor[] = [];
  constructor(readonly backend: Backend) {}
  /** Uploads `values` as given, so dtype inference is what is tested. */
  up(values: Float32Array | Int32Array | readonly number[], shape: readonly number[], dtype?: 'float32' | 'int32'): Tensor {
    const t = this.backend.upload(values, shape, dtype);
    this.#handles.push(t);
    return t;
  }
  keep<T>(result: T): T {
    for (const v of Object.values(result as object)) if (v && typeof v === 'object' && 'shape' in v) this.#handles.push(v as Tensor);
    if (result && typeof result === 'object' && 'shape' in result) this.#handles.push(result as unknown as Tensor);
    return result;
  }
  /** Disposes what is still live; errors are the subject of the sub-cases, not of the clean-up. */
  release(disposed: ReadonlySet<Tensor>): void {
    for (const t of new Set(this.#handles)) {
      if (disposed.has(t)) continue;
      try {
        this.backend.dispose(t);
      } catch {
        // already reported by a sub-case
      }
    }
  }
}

const bnInputs = (m: Made, x: Tensor, c: number) => ({
  x, gamma: m.up(new Array(c).fill(1), [c]), beta: m.up(new Array(c).fill(0), [c]),
  runningMean: m.up(new Array(c).fill(0), [c]), runningVar: m.up(new Array(c).fill(1), [c]),
});

async function handleCases(b: Backend, m: Made, disposed: Set<Tensor>, reference: Backend): Promise<SubCase[]> {
  const cases: SubCase[] = [];
  const gone = m.up([1, 2, 3, 4, 5, 6], [2, 3]);
  b.dispose(gone);
  disposed.add(gone);
  cases.push(await misuse('double-dispose', 'dispose of a disposed handle', DISPOSED, () => b.dispose(gone)));
  cases.push(await misuse('read-disposed', 'read of a disposed handle', DISPOSED, () => b.read(gone)));
  cases.push(await misuse('reshape-disposed', 'reshape of a disposed handle', DISPOSED, () => b.reshape(gone, [6])));
  cases.push(await misuse('kernel-disposed', 'batchNormEval with a disposed x', DISPOSED, () => b.batchNormEval(bnInputs(m, gone, 3), batchNormAttrs())));
  const impostor = { shape: [2, 3], dtype: 'float32', backend: b.name } as Tensor;
  cases.push(await misuse('foreign-object', 'read of an object that only looks like a handle', FOREIGN, () => b.read(impostor)));
  cases.push(await misuse('foreign-value', 'dispose of a number', FOREIGN, () => b.dispose(7 as unknown as Tensor)));
  const elsewhere = reference.upload(new Float32Array(6), [2, 3]);
  try {
    cases.push(await misuse('foreign-instance', `read of a handle made by another backend instance ('${reference.name}')`, FOREIGN, () => b.read(elsewhere)));
    cases.push(await misuse('foreign-kernel-input', 'batchNormEval with x from another backend instance', FOREIGN, () => b.batchNormEval(bnInputs(m, elsewhere, 3), batchNormAttrs())));
  } finally {
    reference.dispose(elsewhere);
  }
  return cases;
}

async function argumentCases(b: Backend, m: Made): Promise<SubCase[]> {
  const cases: SubCase[] = [];
  cases.push(await allowed('upload-dtype', 'upload without dtype: Int32Array → int32, number[] → float32', () => [
    m.up(Int32Array.of(1, 2), [2]), m.up([1, 2], [2]),
  ], (v) => {
    const [i, f] = v as Tensor[];
    return i.dtype === 'int32' && f.dtype === 'float32' ? undefined : `got ${i.dtype} and ${f.dtype}`;
  }));
  cases.push(await misuse('upload-int32-fraction', "upload([1.5], [1], 'int32')", INVALID, () => m.up([1.5], [1], 'int32')));
  const x = m.up([1, 2, 3, 4, 5, 6], [2, 3]);
  for (const key of ['axis', 'eps', 'momentum', 'runningVar'] as const) {
    const attrs = { ...batchNormAttrs(), [key]: undefined } as unknown as ReturnType<typeof batchNormAttrs>;
    cases.push(await misuse(`bn-missing-${key}`, `batchNormTrain without '${key}'`, { code: 'INVALID_ARGUMENT', phrase: new RegExp(`'${key}'`) }, () => b.batchNormTrain(bnInputs(m, x, 3), attrs)));
  }
  cases.push(await allowed('empty-upload', 'upload and read of a [0, 3] tensor', async () => b.read(m.up([], [0, 3])), (v) => ((v as ArrayLike<number>).length === 0 ? undefined : `read ${(v as ArrayLike<number>).length} values`)));
  cases.push(await misuse('empty-kernel', 'batchNormEval on x of shape [0, 3]', SHAPE, () => b.batchNormEval(bnInputs(m, m.up([], [0, 3]), 3), batchNormAttrs())));
  cases.push(await allowed('output-float32', 'batchNormEval output dtype and read type', async () => {
    const y = m.keep(await b.batchNormEval(bnInputs(m, x, 3), batchNormAttrs()));
    return [y.dtype, await b.read(y)];
  }, (v) => {
    const [dtype, data] = v as [string, unknown];
    return dtype === 'float32' && data instanceof Float32Array ? undefined : `dtype ${dtype}, read gave ${Object.prototype.toString.call(data)}`;
  }));
  const before = b.memory();
  cases.push(await allowed('memory-bytes', 'memory() after uploading [2, 3] float32 and [4] int32', () => {
    m.up(new Float32Array(6), [2, 3]);
    m.up(new Int32Array(4), [4], 'int32');
    return b.memory();
  }, (v) => {
    const after = v as { tensors: number; bytes: number };
    const ok = after.tensors === before.tensors + 2 && after.bytes === before.bytes + 4 * 10;
    return ok ? undefined : `tensors ${before.tensors} → ${after.tensors}, bytes ${before.bytes} → ${after.bytes} (expected +2 and +40)`;
  }));
  return cases;
}

async function trainingCases(b: TrainingBackend, m: Made): Promise<SubCase[]> {
  const cases: SubCase[] = [];
  const logits = m.up([0, 1, 2, 3, 4, 5], [2, 3]);
  const labels = m.up([0, 3], [2], 'int32');
  cases.push(await misuse('label-range', 'softmaxCrossEntropy with label 3 of K = 3 at row 1', { code: 'INVALID_ARGUMENT', phrase: /row 1/ }, () => b.softmaxCrossEntropy({ logits, labels })));
  const conv = { x: m.up(new Array(9).fill(1), [1, 1, 3, 3]), weight: m.up([1, 1, 1, 1], [1, 1, 2, 2]), bias: m.up([0], [1]) };
  cases.push(await allowed('conv2d-defaults', 'conv2d(inputs) with no attrs (3×3 input, 2×2 kernel)', async () => {
    const y = m.keep(await b.conv2d(conv));
    return [y.shape, await b.read(y)];
  }, (v) => {
    const [shape, data] = v as [readonly number[], Float32Array];
    const ok = shape.join() === '1,1,2,2' && data instanceof Float32Array && Array.from(data).every((d) => d === 4);
    return ok ? undefined : `shape [${shape.join(', ')}], values ${Array.from(data).join(', ')} (expected [1, 1, 2, 2] of 4)`;
  }));
  cases.push(await misuse('pool-missing-kernel', 'maxPool2d with attrs {}', { code: 'INVALID_ARGUMENT', phrase: /kernel/ }, () => b.maxPool2d({ x: conv.x }, {} as never)));
  cases.push(await allowed('argmax-int32', 'argmax output dtype and read type', async () => {
    const y = m.keep(await b.argmax({ x: logits }));
    return [y.dtype, await b.read(y)];
  }, (v) => {
    const [dtype, data] = v as [string, unknown];
    return dtype === 'int32' && data instanceof Int32Array ? undefined : `dtype ${dtype}, read gave ${Object.prototype.toString.call(data)}`;
  }));
  return cases;
}

/** Closes a throwaway instance and checks every later call. */
async function closeCases(ctx: CheckContext): Promise<SubCase[]> {
  if (!ctx.createAnother) {
    return [{ id: 'use-after-close', status: 'skip', message: 'use after close() not checked: the backend was passed as an instance, so there is no throwaway one to close' }];
  }
  const b = await ctx.createAnother();
  const t = b.upload(new Float32Array(6), [2, 3]);
  await b.close();
  return [
    await allowed('close-twice', 'a second close()', () => b.close(), () => undefined),
    await misuse('upload-after-close', 'upload after close()', CLOSED, () => b.upload(new Float32Array(1), [1])),
    await misuse('read-after-close', 'read after close()', CLOSED, () => b.read(t)),
    await misuse('dispose-after-close', 'dispose after close()', CLOSED, () => b.dispose(t)),
    await misuse('kernel-after-close', 'batchNormEval after close()', CLOSED, () => b.batchNormEval({ x: t, gamma: t, beta: t, runningMean: t, runningVar: t }, batchNormAttrs())),
    await allowed('memory-after-close', 'memory() after close()', () => b.memory(), (v) => {
      const m = v as { tensors: number; bytes: number };
      return m.tensors === 0 && m.bytes === 0 ? undefined : `got ${JSON.stringify(m)} (expected no tensors)`;
    }),
  ];
}

export const errorSemantics: CheckDefinition = {
  id: 'error-semantics',
  number: 12,
  title: 'misuse gives the contract\'s typed error on the backend as created',
  async run(ctx) {
    const b = ctx.backendAsCreated;
    const m = new Made(b);
    const disposed = new Set<Tensor>();
    const cases: SubCase[] = [];
    try {
      cases.push(...(await handleCases(b, m, disposed, await ctx.referenceBackend())));
      cases.push(...(await argumentCases(b, m)));
      const missing = missingKernels(b, 'training');
      if (missing.length === 0) cases.push(...(await trainingCases(b as TrainingBackend, m)));
      else cases.push({ id: 'training-kernels', status: missingKernelStatus('training', ctx.requiredGroups), message: `training-kernel sub-cases not run: the backend lacks ${missing.join(', ')}` });
    } finally {
      m.release(disposed);
    }
    cases.push(...(await closeCases(ctx)));
    const failed = cases.filter((c) => c.status === 'fail' || c.status === 'not-implemented');
    const status: Status = failed.length > 0 ? (failed.some((c) => c.status === 'fail') ? 'fail' : 'not-implemented') : 'pass';
    const lines = (failed.length > 0 ? failed : cases).map((c) => `${c.status.toUpperCase()} ${c.id}: ${c.message}`);
    const head = failed.length > 0 ? `${failed.length} of ${cases.length} sub-cases failed` : `${cases.length} sub-cases`;
    return { status, message: [head, ...lines].join('\n') };
  },
};
