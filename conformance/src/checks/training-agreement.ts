import { sizeOf, type Pair, type Shape, type TrainingBackend, mulberry32, uniform } from '@bnkit/core';
import fc from 'fast-check';
import { BehaviourViolated } from '../property.js';
import type { TensorScope } from '../scope.js';
import { EXACT, compareScaled, type Deviation, type Tolerance } from '../tolerance.js';

/*
 * The training-kernel part of check 9: one small random case per kernel family, run on the backend under
 * test and on the reference, every output compared. A case is a short spec with a data seed (so a shrunk
 * counterexample prints in one line and replays); its tensors are filled by `fill` from that seed.
 */

/** Sums of float32 products in another order (conv, linear, average pooling): each side within ~1e-4 of exact. */
const ACCUMULATED: Tolerance = { rtol: 2e-4, atol: 2e-4 };
/**
 * Max pooling's dx sums the dy of overlapping windows that chose the same element: a few float32 additions
 * whose order may differ, so only a few ulps apart. Its y is a copy of an input value and must be exact.
 */
const ROUTED_SUMS: Tolerance = { rtol: 1e-6, atol: 1e-6 };
/** exp/log of the backend's own maths library (sigmoid, softmax): a few float32 ulps each. */
const TRANSCENDENTAL: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/** param − lr·grad: at most two float32 roundings on either side. */
const ONE_UPDATE: Tolerance = { rtol: 1e-6, atol: 1e-7 };

/** How a case's values are drawn: each kind targets a boundary of some kernel. */
type Values =
  | 'uniform' // in [-1, 1)
  | 'zeros' // a third of the values exactly 0 (relu's gradient at 0, zero-padding lookalikes)
  | 'ties' // multiples of 0.5 in [-1, 1]: repeated maxima in pooling windows and argmax rows
  | 'negative'; // all in [-2, -1): pooling windows partly in padding must not pick the padding

/** The boundary kinds are drawn twice as often as plain uniform values: they are where kernels go wrong. */
const valuesArbitrary: fc.Arbitrary<Values> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Values>('uniform') },
  { weight: 2, arbitrary: fc.constantFrom<Values>('zeros', 'ties', 'negative') },
);
const small = (max: number) => fc.integer({ min: 1, max });
const pair = (min: number, max: number): fc.Arbitrary<Pair> => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }));

export type TrainingCase =
  | { kernel: 'conv2d'; n: number; cin: number; cout: number; hw: Pair; k: Pair; stride: Pair; padding: Pair; inputGradient: boolean; values: Values; dataSeed: number }
  | { kernel: 'linear'; n: number; fanIn: number; fanOut: number; values: Values; dataSeed: number }
  | { kernel: 'avgPool2d' | 'maxPool2d'; n: number; c: number; hw: Pair; k: Pair; stride: Pair; padding: Pair; values: Values; dataSeed: number }
  | { kernel: 'sigmoid' | 'relu'; shape: number[]; scale: number; values: Values; dataSeed: number }
  | { kernel: 'softmaxCrossEntropy'; n: number; k: number; spread: number; rowOffsets: number[]; values: Values; dataSeed: number }
  | { kernel: 'sgd'; shape: number[]; lr: number; values: Values; dataSeed: number }
  | { kernel: 'argmax'; shape: number[]; values: Values; dataSeed: number };

const seed = fc.integer({ min: 0, max: 0x7fffffff });
const shape = fc.array(small(5), { minLength: 1, maxLength: 3 });

/** A window (kernel, stride, padding per axis, each drawn on its own) that fits an input of `hw`. */
function windowed<T>(maxPadding: (k: Pair) => Pair, build: (w: { hw: Pair; k: Pair; stride: Pair; padding: Pair }) => fc.Arbitrary<T>) {
  return fc.tuple(pair(1, 3), pair(1, 3)).chain(([k, stride]) => {
    const [ph, pw] = maxPadding(k);
    return fc.tuple(fc.integer({ min: 0, max: ph }), fc.integer({ min: 0, max: pw })).chain(([p0, p1]) => {
      const padding: Pair = [p0, p1];
      // The padded input must hold one window: h + 2p >= k.
      const hw = fc.tuple(fc.integer({ min: Math.max(1, k[0] - 2 * p0), max: 6 }), fc.integer({ min: Math.max(1, k[1] - 2 * p1), max: 6 }));
      return hw.chain((h) => build({ hw: h, k, stride, padding }));
    });
  });
}

export function trainingCase(): fc.Arbitrary<TrainingCase> {
  return fc.oneof(
    windowed(() => [2, 2], (w) => fc.record({
      kernel: fc.constant('conv2d' as const), n: small(2), cin: small(3), cout: small(3), ...mapConst(w),
      inputGradient: fc.boolean(), values: valuesArbitrary, dataSeed: seed,
    })),
    fc.record({ kernel: fc.constant('linear' as const), n: small(4), fanIn: small(8), fanOut: small(6), values: valuesArbitrary, dataSeed: seed }),
    // Pooling padding is at most half the kernel (the contract's rule, PyTorch's too).
    windowed((k) => [k[0] >> 1, k[1] >> 1], (w) => fc.record({
      kernel: fc.constantFrom('avgPool2d' as const, 'maxPool2d' as const), n: small(2), c: small(2), ...mapConst(w),
      values: valuesArbitrary, dataSeed: seed,
    })),
    fc.record({ kernel: fc.constantFrom('sigmoid' as const, 'relu' as const), shape, scale: fc.constantFrom(1, 10, 100), values: valuesArbitrary, dataSeed: seed }),
    fc.integer({ min: 1, max: 4 }).chain((n) => fc.record({
      kernel: fc.constant('softmaxCrossEntropy' as const), n: fc.constant(n), k: small(6),
      // Row offsets where exp overflows float32 unless the row maximum is subtracted (exp(89) already does).
      spread: fc.constantFrom(1, 10, 100),
      rowOffsets: fc.array(fc.constantFrom(0, 100, -100, 1e3, -1e3, 1e4, -1e4, 1e6, -1e6), { minLength: n, maxLength: n }),
      values: valuesArbitrary, dataSeed: seed,
    })),
    fc.record({ kernel: fc.constant('sgd' as const), shape, lr: fc.constantFrom(0, 1e-3, 0.1, 1, 10), values: valuesArbitrary, dataSeed: seed }),
    fc.record({ kernel: fc.constant('argmax' as const), shape, values: valuesArbitrary, dataSeed: seed }),
  );
}

function mapConst<T extends object>(w: T): { [K in keyof T]: fc.Arbitrary<T[K]> } {
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, fc.constant(v)])) as { [K in keyof T]: fc.Arbitrary<T[K]> };
}

/** `count` values of the case's kind, scaled by `scale`, from its own stream. */
function fill(next: () => number, count: number, values: Values, scale = 1): Float32Array {
  const u = uniform(next, count, -1, 1);
  const out = u.map((v, i) => {
    switch (values) {
      case 'zeros':
        return i % 3 === 0 ? 0 : v;
      case 'ties':
        return Math.round(v * 2) / 2;
      case 'negative':
        return (v - 3) / 2;
      default:
        return v;
    }
  });
  return out.map((v) => v * scale);
}

export interface TrainingOutputs {
  readonly [name: string]: Float32Array | Int32Array | undefined;
}

/** Runs a case on one backend and reads every output back; `undefined` where the kernel returned nothing. */
export async function runTrainingCase(scope: TensorScope, c: TrainingCase): Promise<TrainingOutputs> {
  const b = scope.backend as TrainingBackend;
  const next = mulberry32(c.dataSeed);
  const up = (data: ArrayLike<number>, s: Shape, dtype?: 'int32') => scope.upload(data, s, dtype);
  const read = async (t: Parameters<TensorScope['read']>[0] | undefined) => (t ? scope.read(t) : undefined);
  switch (c.kernel) {
    case 'conv2d': {
      const xs = [c.n, c.cin, ...c.hw];
      const ws = [c.cout, c.cin, ...c.k];
      const x = up(fill(next, sizeOf(xs), c.values), xs);
      const weight = up(fill(next, sizeOf(ws), c.values, 0.5), ws);
      const bias = up(fill(next, c.cout, 'uniform', 0.5), [c.cout]);
      const attrs = { stride: c.stride, padding: c.padding };
      const y = scope.track(await b.conv2d({ x, weight, bias }, attrs));
      const dy = up(fill(next, sizeOf(y.shape), 'uniform'), y.shape);
      const g = scope.track(await b.conv2dBackward({ x, weight, dy }, { ...attrs, inputGradient: c.inputGradient }));
      return { y: await read(y), dx: await read(g.dx), dweight: await read(g.dweight), dbias: await read(g.dbias) };
    }
    case 'linear': {
      const x = up(fill(next, c.n * c.fanIn, c.values), [c.n, c.fanIn]);
      const weight = up(fill(next, c.fanOut * c.fanIn, c.values, 0.3), [c.fanOut, c.fanIn]);
      const bias = up(fill(next, c.fanOut, 'uniform', 0.3), [c.fanOut]);
      const y = scope.track(await b.linear({ x, weight, bias }));
      const dy = up(fill(next, sizeOf(y.shape), 'uniform'), y.shape);
      const g = scope.track(await b.linearBackward({ x, weight, dy }));
      return { y: await read(y), dx: await read(g.dx), dweight: await read(g.dweight), dbias: await read(g.dbias) };
    }
    case 'avgPool2d':
    case 'maxPool2d': {
      const xs = [c.n, c.c, ...c.hw];
      const x = up(fill(next, sizeOf(xs), c.values), xs);
      const attrs = { kernel: c.k, stride: c.stride, padding: c.padding };
      const y = scope.track(await b[c.kernel]({ x }, attrs));
      const dy = up(fill(next, sizeOf(y.shape), 'uniform'), y.shape);
      const backward = c.kernel === 'avgPool2d' ? b.avgPool2dBackward : b.maxPool2dBackward;
      const dx = scope.track(await backward.call(b, { x, dy }, attrs));
      return { y: await read(y), dx: await read(dx) };
    }
    case 'sigmoid':
    case 'relu': {
      const x = up(fill(next, sizeOf(c.shape), c.values, c.scale), c.shape);
      const dy = up(fill(next, sizeOf(c.shape), 'uniform'), c.shape);
      const y = scope.track(await b[c.kernel]({ x }));
      const dx = scope.track(c.kernel === 'sigmoid' ? await b.sigmoidBackward({ y, dy }) : await b.reluBackward({ x, dy }));
      return { y: await read(y), dx: await read(dx) };
    }
    case 'softmaxCrossEntropy': {
      const z = fill(next, c.n * c.k, c.values, c.spread).map((v, i) => v + c.rowOffsets[Math.floor(i / c.k)]);
      const labels = Int32Array.from({ length: c.n }, () => Math.floor(next() * c.k));
      const out = scope.track(await b.softmaxCrossEntropy({ logits: up(z, [c.n, c.k]), labels: up(labels, [c.n], 'int32') }));
      return { loss: await read(out.loss), dlogits: await read(out.dlogits) };
    }
    case 'sgd': {
      const param = up(fill(next, sizeOf(c.shape), c.values), c.shape);
      const grad = up(fill(next, sizeOf(c.shape), c.values), c.shape);
      return { param: await read(scope.track(await b.sgd({ param, grad }, { lr: c.lr }))) };
    }
    case 'argmax':
      return { index: await read(scope.track(await b.argmax({ x: up(fill(next, sizeOf(c.shape), c.values), c.shape) }))) };
  }
}

/** The tolerance each output of a kernel is judged with. */
function toleranceOf(kernel: TrainingCase['kernel'], output: string): Tolerance {
  switch (kernel) {
    case 'conv2d':
    case 'linear':
    case 'avgPool2d':
      return ACCUMULATED;
    case 'maxPool2d':
      return output === 'y' ? EXACT : ROUTED_SUMS;
    case 'sigmoid':
    case 'softmaxCrossEntropy':
      return TRANSCENDENTAL;
    case 'relu':
    case 'argmax':
      return EXACT; // a copy, a zero or an index: nothing to round
    case 'sgd':
      return ONE_UPDATE;
  }
}

/** Every output of `mine` against the reference's; an output one side returned and the other did not is a behaviour fault. */
export function compareTrainingOutputs(c: TrainingCase, mine: TrainingOutputs, theirs: TrainingOutputs): Deviation[] {
  const out: Deviation[] = [];
  for (const [name, expected] of Object.entries(theirs)) {
    const actual = mine[name];
    if ((actual === undefined) !== (expected === undefined)) {
      throw new BehaviourViolated(`${c.kernel} ${name}: ${actual === undefined ? 'missing' : 'returned'}, the reference backend ${expected === undefined ? 'returns none' : 'returns it'}`);
    }
    if (actual && expected) out.push(compareScaled(`${c.kernel} ${name}`, actual, expected, toleranceOf(c.kernel, name)));
  }
  return out;
}
