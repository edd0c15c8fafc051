import { type Shape, type Tensor, type TrainingBackend, mulberry32, uniform } from '@bnkit/core';
import fc from 'fast-check';
import type { TensorScope } from '../scope.js';
import type { Deviation } from '../tolerance.js';
import { BAD_VALUES, badNumber, expectationOf, judge, type BadValue } from './nan-expectations.js';

/*
 * The training-kernel half of check 11 (docs/nan-semantics.md). Each op is run on clean inputs and on the
 * same inputs with NaN/±Inf written into random elements of its float inputs; a float64 reference of the op
 * with PyTorch's NaN rules (IEEE arithmetic, NaN is the largest value for max pooling and argmax with the
 * first one winning, relu keeps NaN and its gradient passes dy at NaN, a masked-out gradient is 0 even when
 * dy is bad) says which outputs the bad values reach and what they become. Unreached outputs must be bit for
 * bit those of the clean call. Conv2d runs without padding: whether 0·NaN at a padded position is NaN is
 * left open by the contract (PyTorch's im2col says yes, a loop over in-bounds taps says no). For the same
 * reason conv2dBackward may also turn NaN (an unchanged or infinite one) the outputs that meet a bad value through the zeros a strided
 * transposed convolution inserts: dx of a sample with a bad dy (of every sample for a bad weight), and dweight
 * of an input channel with a bad x; every other output of it stays exact.
 */

export const TRAINING_OPS = [
  'relu', 'reluBackward', 'sigmoid', 'sigmoidBackward', 'sgd', 'argmax', 'softmaxCrossEntropy',
  'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward', 'linear', 'linearBackward', 'conv2d', 'conv2dBackward',
] as const;
export type TrainingOp = (typeof TRAINING_OPS)[number];

export interface OpInjection {
  readonly op: TrainingOp;
  readonly values: readonly BadValue[];
  readonly seed: number;
}

export const opInjection: fc.Arbitrary<OpInjection> = fc.record({
  op: fc.constantFrom(...TRAINING_OPS),
  values: fc.array(fc.constantFrom(...BAD_VALUES), { minLength: 1, maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

interface HostTensor {
  readonly data: Float32Array;
  readonly shape: Shape;
}
type Inputs = Record<string, HostTensor>;
type Outputs = Record<string, ArrayLike<number>>;

interface Bad {
  readonly input: string;
  readonly index: number;
}

interface OpCase {
  /** The float inputs, any of which may receive a bad value. */
  readonly inputs: Inputs;
  /** Whether output `out`[i] may meet one of the bad values through a structural zero (NaN allowed there). */
  structuralZero?(out: string, i: number, bad: readonly Bad[]): boolean;
  run(b: TrainingBackend, t: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  reference(x: Record<string, Float32Array>): Outputs;
}

const dim = (next: () => number, lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
const host = (next: () => number, shape: Shape, lo = -2, hi = 2): HostTensor => ({ data: uniform(next, shape.reduce((a, b) => a * b, 1), lo, hi), shape });

// ------------------------------------------------------------------------------------------ references

/** Max with NaN as the largest value and the first maximum winning (PyTorch's argmax; its max pooling too up to which of several NaNs). */
const beats = (v: number, best: number) => v > best || (Number.isNaN(v) && !Number.isNaN(best));

function argmax64(x: Float32Array, rows: number, k: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (beats(x[r * k + j], x[r * k + best])) best = j;
    return best;
  });
}

function crossEntropy64(z: Float32Array, labels: Int32Array, n: number, k: number): Outputs {
  const dlogits = new Float64Array(n * k);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const row = Array.from(z.subarray(r * k, (r + 1) * k));
    const m = Math.max(...row); // NaN when the row holds one, +Inf with an Inf logit: both give a NaN row, as in PyTorch
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    total += lse - row[labels[r]];
    row.forEach((v, j) => (dlogits[r * k + j] = (Math.exp(v - lse) - (j === labels[r] ? 1 : 0)) / n));
  }
  return { loss: [total / n], dlogits };
}

interface Geometry {
  n: number; c: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; oh: number; ow: number;
}

function geometry(next: () => number, withPadding: boolean): Geometry {
  const [n, c, kh, kw] = [dim(next, 1, 2), dim(next, 1, 3), dim(next, 1, 3), dim(next, 1, 3)];
  const [h, w] = [kh + dim(next, 0, 4), kw + dim(next, 0, 4)];
  const [sh, sw] = [dim(next, 1, 2), dim(next, 1, 2)];
  const [ph, pw] = withPadding ? [dim(next, 0, Math.floor(kh / 2)), dim(next, 0, Math.floor(kw / 2))] : [0, 0];
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, oh: Math.floor((h + 2 * ph - kh) / sh) + 1, ow: Math.floor((w + 2 * pw - kw) / sw) + 1 };
}

/** Calls f(outputIndex, inputIndex) for every in-bounds tap of every pooling/conv window of one plane pair. */
function forTaps(g: Geometry, plane: number, outPlane: number, f: (o: number, i: number, tap: number) => void): void {
  for (let y = 0; y < g.oh; y++) for (let x = 0; x < g.ow; x++) {
    for (let a = 0; a < g.kh; a++) for (let b = 0; b < g.kw; b++) {
      const iy = y * g.sh + a - g.ph;
      const ix = x * g.sw + b - g.pw;
      if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) f(outPlane + y * g.ow + x, plane + iy * g.w + ix, a * g.kw + b);
    }
  }
}

function pool64(kind: 'max' | 'avg', g: Geometry, x: Float32Array, dy?: Float32Array): Float64Array {
  const planes = g.n * g.c;
  const y = new Float64Array(planes * g.oh * g.ow).fill(kind === 'max' ? NaN : 0);
  const at = new Int32Array(y.length).fill(-1);
  for (let p = 0; p < planes; p++) {
    forTaps(g, p * g.h * g.w, p * g.oh * g.ow, (o, i) => {
      if (kind === 'avg') y[o] += x[i] / (g.kh * g.kw);
      else if (at[o] < 0 || beats(x[i], y[o])) [y[o], at[o]] = [x[i], i];
    });
  }
  if (!dy) return y;
  const dx = new Float64Array(x.length);
  for (let p = 0; p < planes; p++) {
    forTaps(g, p * g.h * g.w, p * g.oh * g.ow, (o, i) => {
      if (kind === 'avg') dx[i] += dy[o] / (g.kh * g.kw);
      else if (at[o] === i) dx[i] += dy[o];
    });
  }
  return dx;
}

/** Conv2d without padding: y, and with dy the three gradients. */
function conv64(g: Geometry, co: number, x: Float32Array, w: Float32Array, bias: Float32Array, dy?: Float32Array): Outputs {
  const taps = g.kh * g.kw;
  const outPlane = (n: number, o: number) => (n * co + o) * g.oh * g.ow;
  const each = (f: (o: number, i: number, wi: number, oc: number) => void) => {
    for (let n = 0; n < g.n; n++) for (let oc = 0; oc < co; oc++) for (let ic = 0; ic < g.c; ic++) {
      forTaps(g, (n * g.c + ic) * g.h * g.w, outPlane(n, oc), (o, i, tap) => f(o, i, (oc * g.c + ic) * taps + tap, oc));
    }
  };
  if (!dy) {
    const y = new Float64Array(g.n * co * g.oh * g.ow);
    for (let n = 0; n < g.n; n++) for (let oc = 0; oc < co; oc++) y.fill(bias[oc], outPlane(n, oc), outPlane(n, oc) + g.oh * g.ow);
    each((o, i, wi) => (y[o] += x[i] * w[wi]));
    return { y };
  }
  const dx = new Float64Array(x.length);
  const dweight = new Float64Array(w.length);
  const dbias = new Float64Array(co);
  each((o, i, wi) => {
    dx[i] += dy[o] * w[wi];
    dweight[wi] += dy[o] * x[i];
  });
  for (let n = 0; n < g.n; n++) for (let oc = 0; oc < co; oc++) for (let j = 0; j < g.oh * g.ow; j++) dbias[oc] += dy[outPlane(n, oc) + j];
  return { dx, dweight, dbias };
}

function linear64(x: Float32Array, w: Float32Array, n: number, inF: number, outF: number, bias?: Float32Array, dy?: Float32Array): Outputs {
  if (!dy) {
    const y = Float64Array.from({ length: n * outF }, (_, i) => {
      const [r, o] = [Math.floor(i / outF), i % outF];
      let s = bias![o];
      for (let k = 0; k < inF; k++) s += x[r * inF + k] * w[o * inF + k];
      return s;
    });
    return { y };
  }
  const dx = new Float64Array(n * inF);
  const dweight = new Float64Array(outF * inF);
  const dbias = new Float64Array(outF);
  for (let r = 0; r < n; r++) for (let o = 0; o < outF; o++) {
    const g = dy[r * outF + o];
    dbias[o] += g;
    for (let k = 0; k < inF; k++) {
      dx[r * inF + k] += g * w[o * inF + k];
      dweight[o * inF + k] += g * x[r * inF + k];
    }
  }
  return { dx, dweight, dbias };
}

// ----------------------------------------------------------------------------------------------- cases

function opCase(op: TrainingOp, next: () => number): OpCase {
  const rows = dim(next, 1, 4);
  const k = dim(next, 2, 6);
  const flat: Shape = [rows, k];
  const map = (f: (v: number, i: number) => number) => (a: Float32Array) => Float64Array.from(a, f);
  switch (op) {
    case 'relu':
      return { inputs: { x: host(next, flat) }, run: (b, t) => b.relu({ x: t.x }).then((y) => ({ y })), reference: ({ x }) => ({ y: map((v) => (v > 0 || Number.isNaN(v) ? v : 0))(x) }) };
    case 'reluBackward':
      return {
        inputs: { x: host(next, flat), dy: host(next, flat) },
        run: (b, t) => b.reluBackward({ x: t.x, dy: t.dy }).then((dx) => ({ dx })),
        // PyTorch's threshold_backward: 0 where x <= 0, else dy — so x = NaN passes dy through.
        reference: ({ x, dy }) => ({ dx: map((v, i) => (v <= 0 ? 0 : dy[i]))(x) }),
      };
    case 'sigmoid':
      return { inputs: { x: host(next, flat) }, run: (b, t) => b.sigmoid({ x: t.x }).then((y) => ({ y })), reference: ({ x }) => ({ y: map((v) => 1 / (1 + Math.exp(-v)))(x) }) };
    case 'sigmoidBackward':
      return {
        inputs: { y: host(next, flat, 0.05, 0.95), dy: host(next, flat) },
        run: (b, t) => b.sigmoidBackward({ y: t.y, dy: t.dy }).then((dx) => ({ dx })),
        reference: ({ y, dy }) => ({ dx: map((v, i) => dy[i] * v * (1 - v))(y) }),
      };
    case 'sgd':
      return {
        inputs: { param: host(next, flat), grad: host(next, flat) },
        run: (b, t) => b.sgd({ param: t.param, grad: t.grad }, { lr: 0.25 }).then((param) => ({ param })),
        reference: ({ param, grad }) => ({ param: map((v, i) => v - 0.25 * grad[i])(param) }),
      };
    case 'argmax':
      return { inputs: { x: host(next, flat) }, run: (b, t) => b.argmax({ x: t.x }).then((index) => ({ index })), reference: ({ x }) => ({ index: argmax64(x, rows, k) }) };
    case 'softmaxCrossEntropy': {
      const labels = Int32Array.from({ length: rows }, () => Math.floor(next() * k));
      return {
        inputs: { logits: host(next, flat, -4, 4) },
        run: async (b, t) => {
          const l = b.upload(labels, [rows], 'int32');
          try {
            return { ...(await b.softmaxCrossEntropy({ logits: t.logits, labels: l })) };
          } finally {
            b.dispose(l);
          }
        },
        reference: ({ logits }) => crossEntropy64(logits, labels, rows, k),
      };
    }
    case 'maxPool2d':
    case 'maxPool2dBackward':
    case 'avgPool2d':
    case 'avgPool2dBackward': {
      const g = geometry(next, true);
      const kind = op.startsWith('max') ? 'max' : 'avg';
      const attrs = { kernel: [g.kh, g.kw], stride: [g.sh, g.sw], padding: [g.ph, g.pw] } as const;
      const x = host(next, [g.n, g.c, g.h, g.w]);
      if (!op.endsWith('Backward')) {
        return {
          inputs: { x },
          run: (b, t) => (kind === 'max' ? b.maxPool2d(t as { x: Tensor }, attrs) : b.avgPool2d(t as { x: Tensor }, attrs)).then((y) => ({ y })),
          reference: (v) => ({ y: pool64(kind, g, v.x) }),
        };
      }
      return {
        inputs: { x, dy: host(next, [g.n, g.c, g.oh, g.ow]) },
        run: (b, t) => (kind === 'max' ? b.maxPool2dBackward(t as { x: Tensor; dy: Tensor }, attrs) : b.avgPool2dBackward(t as { x: Tensor; dy: Tensor }, attrs)).then((dx) => ({ dx })),
        reference: (v) => ({ dx: pool64(kind, g, v.x, v.dy) }),
      };
    }
    case 'linear':
    case 'linearBackward': {
      const outF = dim(next, 1, 4);
      const x = host(next, flat);
      const weight = host(next, [outF, k]);
      if (op === 'linear') {
        return {
          inputs: { x, weight, bias: host(next, [outF]) },
          run: (b, t) => b.linear({ x: t.x, weight: t.weight, bias: t.bias }).then((y) => ({ y })),
          reference: (v) => linear64(v.x, v.weight, rows, k, outF, v.bias),
        };
      }
      return {
        inputs: { x, weight, dy: host(next, [rows, outF]) },
        run: (b, t) => b.linearBackward({ x: t.x, weight: t.weight, dy: t.dy }).then((r) => ({ ...r })),
        reference: (v) => linear64(v.x, v.weight, rows, k, outF, undefined, v.dy),
      };
    }
    case 'conv2d':
    case 'conv2dBackward': {
      const g = geometry(next, false);
      const co = dim(next, 1, 3);
      const attrs = { stride: [g.sh, g.sw], padding: [0, 0] } as const;
      const x = host(next, [g.n, g.c, g.h, g.w]);
      const weight = host(next, [co, g.c, g.kh, g.kw]);
      if (op === 'conv2d') {
        return {
          inputs: { x, weight, bias: host(next, [co]) },
          run: (b, t) => b.conv2d({ x: t.x, weight: t.weight, bias: t.bias }, attrs).then((y) => ({ y })),
          reference: (v) => conv64(g, co, v.x, v.weight, v.bias),
        };
      }
      const sampleOf = (i: number, perSample: number) => Math.floor(i / perSample);
      return {
        inputs: { x, weight, dy: host(next, [g.n, co, g.oh, g.ow]) },
        structuralZero: (out, i, bad) =>
          out === 'dx'
            ? bad.some((p) => p.input === 'weight' || (p.input === 'dy' && sampleOf(p.index, co * g.oh * g.ow) === sampleOf(i, g.c * g.h * g.w)))
            : out === 'dweight' && bad.some((p) => p.input === 'x' && sampleOf(p.index, g.h * g.w) % g.c === sampleOf(i, g.kh * g.kw) % g.c),
        run: (b, t) => b.conv2dBackward({ x: t.x, weight: t.weight, dy: t.dy }, attrs).then((r) => ({ ...r }) as Record<string, Tensor>),
        reference: (v) => conv64(g, co, v.x, v.weight, new Float32Array(co), v.dy),
      };
    }
  }
}

async function runOn(scope: TensorScope, c: OpCase, data: Record<string, Float32Array>): Promise<Record<string, Float32Array | Int32Array>> {
  const b = scope.backend as TrainingBackend;
  const t = Object.fromEntries(Object.entries(c.inputs).map(([name, h]) => [name, scope.upload(data[name], h.shape)]));
  const out = scope.track(await c.run(b, t));
  return Object.fromEntries(await Promise.all(Object.entries(out).map(async ([name, v]) => [name, await scope.read(v)] as const)));
}

/** Runs one op clean and with the bad values, and judges every output against the reference's verdict. */
export async function opNanProperty(scope: TensorScope, inj: OpInjection): Promise<Deviation[]> {
  const next = mulberry32(inj.seed);
  const c = opCase(inj.op, next);
  const names = Object.keys(c.inputs);
  const clean = Object.fromEntries(names.map((n) => [n, c.inputs[n].data]));
  const dirty = Object.fromEntries(names.map((n) => [n, c.inputs[n].data.slice()]));
  const bad: Bad[] = inj.values.map((v) => {
    const input = names[Math.min(names.length - 1, Math.floor(next() * names.length))];
    const index = Math.min(dirty[input].length - 1, Math.floor(next() * dirty[input].length));
    dirty[input][index] = badNumber(v);
    return { input, index };
  });
  const injected = inj.values.map((v, k) => `${v} at ${bad[k].input}[${bad[k].index}]`).join(', ');

  const refClean = c.reference(clean);
  const refDirty = c.reference(dirty);
  const before = await runOn(scope, c, clean);
  const after = await runOn(scope, c, dirty);
  return Object.keys(refDirty).flatMap((out) =>
    judge(`${inj.op} ${out}`, after[out], before[out], (i) => {
      const e = expectationOf(refDirty[out][i], refClean[out][i]);
      if (!c.structuralZero?.(out, i, bad)) return e;
      return e === 'same' ? 'sameOrNaN' : typeof e === 'object' && 'infinity' in e ? 'nonfinite' : e;
    }, injected),
  );
}
