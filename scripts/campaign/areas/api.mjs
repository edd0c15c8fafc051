/*
 * Bad API calls on the backends, in-process: every kernel of core's KERNEL_TABLE with each input missing,
 * null, not a handle, of the wrong dtype, disposed, from another instance, empty or of the wrong shape;
 * attributes out of range or of the wrong type; uploads of data that is not flat numbers or shapes that are
 * not shapes; core's own boundary cases (`@bnkit/core/api-boundary`), open and after close(). Each must be
 * refused with one of core's typed errors; a raw TypeError/RangeError is a crash. Benign controls: every
 * kernel on valid inputs, and on NaN data (which propagates, docs/nan-semantics.md), must be accepted.
 */
import createTs from '@bnkit/backend-ts';
import { BnkitError, KERNEL_TABLE, batchNormAttrs } from '@bnkit/core';
import { closedBoundaryCases, misrefusal, openBoundaryCases } from '@bnkit/core/api-boundary';
import { describeError, refusalOf } from '../trial.mjs';

export const area = 'api';
export const description = 'bad calls on the ts backend (full: also tfjs on wasm, gpu on cpu), generated from the kernel table';

/** The backends and devices tried; full only beyond ts, whose other devices are too slow to start for pnpm test. */
const BACKENDS = [
  { name: 'ts', full: false, create: () => createTs({ threads: 1 }) },
  { name: 'tfjs-wasm', full: true, create: async () => (await import('@bnkit/backend-tfjs')).default({ device: 'wasm' }) },
  { name: 'gpu-cpu', full: true, create: async () => (await import('@bnkit/backend-gpu')).default({ device: 'cpu' }) },
];

/** Share of the ts trials that a bounded run samples (seeded). */
const BOUNDED_SHARE = 0.45;

/*
 * One valid call per kernel on a small geometry (N 2, C 3, 4x4 images): the baseline that each malformed
 * trial changes in one place. Shapes per input; attributes; int32 values where an input needs them.
 */
const IMAGE = [2, 3, 4, 4];
const C = [3];
const BN = { attrs: () => batchNormAttrs() };
const BASELINES = {
  batchNormTrain: { ...BN, inputs: { x: IMAGE, gamma: C, beta: C, runningMean: C, runningVar: C } },
  batchNormTrainBackward: { ...BN, inputs: { x: IMAGE, dy: IMAGE, gamma: C, mean: C, invStd: C } },
  batchNormEval: { ...BN, inputs: { x: IMAGE, gamma: C, beta: C, runningMean: C, runningVar: C } },
  batchNormEvalBackward: { ...BN, inputs: { x: IMAGE, dy: IMAGE, gamma: C, runningMean: C, runningVar: C } },
  conv2d: { inputs: { x: IMAGE, weight: [2, 3, 3, 3], bias: [2] }, attrs: () => ({}) },
  conv2dBackward: { inputs: { x: IMAGE, weight: [2, 3, 3, 3], dy: [2, 2, 2, 2] }, attrs: () => ({}) },
  linear: { inputs: { x: [2, 3], weight: [4, 3], bias: [4] } },
  linearBackward: { inputs: { x: [2, 3], weight: [4, 3], dy: [2, 4] } },
  avgPool2d: { inputs: { x: IMAGE }, attrs: () => ({ kernel: [2, 2] }) },
  avgPool2dBackward: { inputs: { x: IMAGE, dy: [2, 3, 2, 2] }, attrs: () => ({ kernel: [2, 2] }) },
  maxPool2d: { inputs: { x: IMAGE }, attrs: () => ({ kernel: [2, 2] }) },
  maxPool2dBackward: { inputs: { x: IMAGE, dy: [2, 3, 2, 2] }, attrs: () => ({ kernel: [2, 2] }) },
  sigmoid: { inputs: { x: IMAGE } },
  sigmoidBackward: { inputs: { y: IMAGE, dy: IMAGE } },
  relu: { inputs: { x: IMAGE } },
  reluBackward: { inputs: { x: IMAGE, dy: IMAGE } },
  softmaxCrossEntropy: { inputs: { logits: [2, 5], labels: [2] }, ints: { labels: [0, 4] } },
  sgd: { inputs: { param: [2, 3], grad: [2, 3] }, attrs: () => ({ lr: 0.1 }) },
  argmax: { inputs: { x: [2, 5] } },
};

/** Values JSON cannot write, which an error message must still show (core's describeValue). */
const circular = [2];
circular.push(circular);
const noPrototype = Object.create(null);

const size = (shape) => shape.reduce((a, d) => a * d, 1);
/** Deterministic values in [0.1, 1.1): positive, so variances and invStd are valid too. */
const values = (n) => Array.from({ length: n }, (_, i) => 0.1 + ((i * 7) % 11) / 11);

/** Typed refusals of a bad input or attribute: whatever core's checks name it. */
const INPUT_CODES = ['INVALID_ARGUMENT', 'DISPOSED', 'SHAPE', 'AXIS'];
const ATTR_CODES = ['INVALID_ARGUMENT', 'AXIS', 'EPS', 'MOMENTUM', 'SHAPE'];
const typed = (codes) => ({ codes, classes: [BnkitError] });

/** Uploads the kernel's baseline inputs on `b`, with `replace[name]` (a function of the baseline tensor) applied. */
function makeInputs(b, kernel, spec, replace = {}) {
  const base = BASELINES[kernel];
  const made = [];
  const inputs = {};
  for (const [name, dtype] of Object.entries(spec.inputs)) {
    const shape = base.inputs[name];
    const data = dtype === 'int32' ? Int32Array.from(base.ints?.[name] ?? new Array(size(shape)).fill(0)) : values(size(shape));
    const t = b.upload(data, shape, dtype);
    made.push(t);
    inputs[name] = t;
  }
  for (const [name, change] of Object.entries(replace)) {
    const v = change(inputs[name], made);
    if (v === undefined) delete inputs[name];
    else inputs[name] = v;
  }
  return { inputs, attrs: base.attrs?.(), made };
}

/** Disposes what a trial made, ignoring handles a mutation disposed already. */
function cleanUp(b, tensors) {
  for (const t of tensors) {
    try {
      b.dispose(t);
    } catch {
      // disposed by the trial itself, or the backend is closed
    }
  }
}

/** Disposes every tensor a kernel returned (a tensor, or a record of them). */
function disposeOutputs(b, out) {
  if (!out || typeof out !== 'object') return;
  if ('shape' in out && 'dtype' in out) return cleanUp(b, [out]);
  cleanUp(b, Object.values(out).filter((t) => t && typeof t === 'object' && 'dtype' in t));
}

/** The ways one input is replaced; each a function of (baseline tensor, made list, context). */
function inputMutations(b, sibling, dtype, shape, multiInput) {
  const other = dtype === 'float32' ? 'int32' : 'float32';
  const list = [
    ['missing', () => undefined],
    ['null', () => null],
    ['number', () => 7],
    ['string', () => 'tensor'],
    ['bigint', () => 1n],
    ['symbol', () => Symbol('tensor')],
    ['null-prototype', () => Object.create(null)],
    ['array', () => [1, 2, 3]],
    ['forged-handle', (t) => ({ shape: t.shape, dtype: t.dtype, id: 1 })],
    ['copied-handle', (t) => ({ ...t })],
    ['wrong-dtype', (_t, made) => {
      const u = b.upload(other === 'int32' ? new Int32Array(size(shape)) : values(size(shape)), shape, other);
      made.push(u);
      return u;
    }],
    ['disposed', () => {
      const u = b.upload(dtype === 'int32' ? new Int32Array(size(shape)) : values(size(shape)), shape, dtype);
      b.dispose(u);
      return u;
    }],
    ['sibling', () => sibling.upload(dtype === 'int32' ? new Int32Array(size(shape)) : values(size(shape)), shape, dtype)],
    ['empty', (_t, made) => {
      const u = b.upload([], [0, ...shape.slice(1)], dtype);
      made.push(u);
      return u;
    }],
  ];
  if (multiInput) {
    // Beside the other inputs a rank-1 tensor of 5 values fits no input of these kernels.
    list.push(['wrong-shape', (_t, made) => {
      const u = b.upload(dtype === 'int32' ? new Int32Array(5) : values(5), [5], dtype);
      made.push(u);
      return u;
    }]);
  }
  return list;
}

/** Attribute records that each break one rule, per kind of kernel. */
function attrMutations(kernel) {
  const whole = [
    ['attrs-null', null], ['attrs-number', 5], ['attrs-string', 'x'], ['attrs-array', []], ['attrs-bigint', 1n],
    ['attrs-symbol', Symbol('attrs')], ['attrs-circular', circular],
  ];
  if (kernel.startsWith('batchNorm')) {
    const bn = (patch) => ({ ...batchNormAttrs(), ...patch });
    return [
      ...whole, ['attrs-missing', undefined],
      ...[NaN, 1.5, 4, -5, '1', null, Infinity].map((axis) => [`axis-${String(axis)}`, bn({ axis })]),
      ...[0, -1e-5, NaN, Infinity, '1e-5', null].map((eps) => [`eps-${String(eps)}`, bn({ eps })]),
      ...[-0.1, 1.1, NaN, '0.9', null].map((momentum) => [`momentum-${String(momentum)}`, bn({ momentum })]),
      ...['bogus', null, 1].map((runningVar) => [`runningVar-${String(runningVar)}`, bn({ runningVar })]),
      ['axis-bigint', bn({ axis: 1n })], ['axis-circular', bn({ axis: circular })], ['eps-bigint', bn({ eps: 1n })],
      ['eps-null-prototype', bn({ eps: noPrototype })], ['momentum-symbol', bn({ momentum: Symbol('m') })], ['runningVar-bigint', bn({ runningVar: 1n })],
    ];
  }
  if (kernel.startsWith('conv2d')) {
    const pairs = [[0, 1], [-1, 1], [1.5, 1], [NaN, 1], [1], [1, 1, 1], '1', 2];
    const list = [
      ...whole,
      ...pairs.map((stride) => [`stride-${JSON.stringify(stride)}`, { stride }]),
      ...[[-1, 0], [NaN, 0], [0.5, 0], 'x'].map((padding) => [`padding-${JSON.stringify(padding)}`, { padding }]),
      ['stride-bigint', { stride: [1n, 1] }], ['stride-circular', { stride: circular }], ['padding-symbol', { padding: Symbol('p') }],
    ];
    if (kernel === 'conv2dBackward') {
      list.push(['inputGradient-string', { inputGradient: 'yes' }], ['inputGradient-1', { inputGradient: 1 }], ['inputGradient-bigint', { inputGradient: 1n }]);
    }
    return list;
  }
  if (kernel.endsWith('Pool2d') || kernel.endsWith('Pool2dBackward')) {
    return [
      ...whole, ['attrs-missing', undefined], ['kernel-missing', {}],
      ...[[0, 2], [-1, 2], [2.5, 2], [NaN, 2], [5, 5], '2', null, [2]].map((k) => [`kernel-${JSON.stringify(k)}`, { kernel: k }]),
      ['kernel-bigint', { kernel: [2n, 2n] }], ['kernel-circular', { kernel: circular }],
      ['stride-0', { kernel: [2, 2], stride: [0, 2] }],
      ['padding-over-half', { kernel: [2, 2], padding: [2, 2] }],
      ['padding-negative', { kernel: [2, 2], padding: [-1, 0] }],
    ];
  }
  if (kernel === 'sgd') {
    return [
      ...whole, ['attrs-missing', undefined], ...[NaN, Infinity, -Infinity, '0.1', null].map((lr) => [`lr-${String(lr)}`, { lr }]),
      ['lr-bigint', { lr: 1n }], ['lr-null-prototype', { lr: noPrototype }],
    ];
  }
  return [];
}

/** Uploads and views that must be refused, beyond core's cases: shapes that are not shapes, data that is not numbers. */
const BAD_UPLOADS = [
  ['shape-negative', [1], [-1]], ['shape-fraction', [1], [1.5]], ['shape-nan', [1], [NaN]], ['shape-infinity', [1], [Infinity]],
  ['shape-string-entry', [1], ['1']], ['shape-null-entry', [1], [null]], ['shape-string', [1], '1'], ['shape-number', [1], 1],
  ['shape-object', [1], {}], ['shape-huge', [1], [2 ** 31, 2 ** 31]], ['shape-beyond-safe', [1], [2 ** 53 + 2]],
  ['shape-huge-product', [1, 2], [65536, 65536, 65536, 65536]], ['shape-bigint', [1], [1n]], ['shape-circular', [1, 2], circular],
  ['shape-symbol', [1], Symbol('shape')], ['shape-null-prototype', [1], noPrototype],
  ['data-bigint', [1n, 2n], [2]], ['data-bigint64array', BigInt64Array.of(1n, 2n), [2]], ['data-symbol', [Symbol('x'), 1], [2]],
  ['data-sparse', [1, , 3], [3]], ['data-object', [{}, 1], [2]], ['data-function', [() => 1, 1], [2]], ['data-number', 5, [1]],
  ['data-arraybuffer', new ArrayBuffer(8), [2]], ['data-dataview', new DataView(new ArrayBuffer(8)), [2]],
  ['data-map', new Map([[0, 1]]), [1]], ['data-set', new Set([1]), [1]],
  ['int32-too-big', [2 ** 31], [1], 'int32'], ['int32-too-small', [-(2 ** 31) - 1], [1], 'int32'], ['int32-nan', [NaN], [1], 'int32'],
  ['int32-infinity', [Infinity], [1], 'int32'], ['int32-from-float32array', Float32Array.of(0.5), [1], 'int32'],
  ['dtype-bigint', [1], [1], 1n], ['dtype-symbol', [1], [1], Symbol('float32')], ['data-null-prototype-entry', [noPrototype], [1]],
  ['dtype-float16', [1], [1], 'float16'], ['dtype-upper', [1], [1], 'FLOAT32'], ['dtype-number', [1], [1], 32], ['dtype-object', [1], [1], {}],
];
/** Uploads that are valid (non-finite floats, other numeric typed arrays) and must be accepted. */
const GOOD_UPLOADS = [
  ['nan-and-infinities', [NaN, Infinity, -Infinity], [3]], ['float64array', Float64Array.of(1, 2), [2]], ['uint8array', Uint8Array.of(1, 2), [2]],
  ['int32-explicit', [1, -2], [2], 'int32'], ['scalar', [3], []], ['empty', [], [0, 4]], ['negative-zero', [-0], [1]],
];
const BAD_RESHAPES = [
  ['reshape-mismatch', [7]], ['reshape-minus-one', [-1, 6]], ['reshape-nan', [NaN]], ['reshape-huge', [2 ** 40]],
  ['reshape-string', '6'], ['reshape-bigint', [6n]], ['reshape-circular', circular], ['reshape-fraction', [1.5, 4]], ['reshape-null-entry', [null, 6]],
];

export async function* trials({ full, rng }) {
  for (const backend of BACKENDS) {
    if (backend.full && !full) continue;
    const sample = () => full || rng() < BOUNDED_SHARE;
    let b;
    let sibling;
    yield {
      id: `${backend.name}/create`,
      malformed: false,
      timeoutMs: 120_000,
      async run() {
        try {
          b = await backend.create();
          sibling = await backend.create();
          return { outcome: 'accepted', detail: b.device?.kind ?? '' };
        } catch (e) {
          return { outcome: 'refused', detail: describeError(e) };
        }
      },
    };
    if (!b || !sibling) continue;
    const kernels = Object.entries(KERNEL_TABLE).filter(([name]) => typeof b[name] === 'function' && (b.capabilities.includes(KERNEL_TABLE[name].group)));

    for (const [kernel, spec] of kernels) {
      if (!BASELINES[kernel]) throw new Error(`the api area has no baseline call for kernel '${kernel}' of the kernel table; add one`);
      const call = (inputs, attrs) => b[kernel](inputs, attrs);
      // The baseline itself, and NaN data in the first float input: valid calls the backend must take.
      for (const nan of [false, true]) {
        const id = `${backend.name}/${kernel}/${nan ? 'nan-data' : 'valid'}`;
        if (!sample()) continue;
        yield {
          id, malformed: false,
          async run() {
            const first = Object.entries(spec.inputs).find(([, d]) => d === 'float32')[0];
            const { inputs, attrs, made } = makeInputs(b, kernel, spec, nan ? { [first]: (t, m) => {
              const u = b.upload(new Array(size(t.shape)).fill(NaN), t.shape);
              m.push(u);
              return u;
            } } : {});
            try {
              disposeOutputs(b, await call(inputs, attrs));
              return { outcome: 'accepted', detail: 'ran' };
            } catch (e) {
              return { outcome: 'refused', detail: describeError(e) };
            } finally {
              cleanUp(b, made);
            }
          },
        };
      }
      const names = Object.keys(spec.inputs);
      for (const [name, dtype] of Object.entries(spec.inputs)) {
        const shape = BASELINES[kernel].inputs[name];
        for (const [mutation, change] of inputMutations(b, sibling, dtype, shape, names.length > 1)) {
          if (!sample()) continue;
          yield {
            id: `${backend.name}/${kernel}/${name}-${mutation}`,
            async run() {
              let made = [];
              try {
                const built = makeInputs(b, kernel, spec, { [name]: change });
                made = built.made;
                return await refusalOf(async () => disposeOutputs(b, await call(built.inputs, built.attrs)), typed(INPUT_CODES));
              } catch (e) {
                return { outcome: 'crash', detail: `setting up the call failed: ${describeError(e)}` };
              } finally {
                cleanUp(b, made);
              }
            },
          };
        }
      }
      const badInputs = [
        ['inputs-undefined', undefined], ['inputs-null', null], ['inputs-number', 3], ['inputs-string', 'x'], ['inputs-array', []],
        ['inputs-bigint', 1n], ['inputs-symbol', Symbol('inputs')], ['inputs-circular', circular],
      ];
      for (const [mutation, inputs] of badInputs) {
        if (!sample()) continue;
        yield { id: `${backend.name}/${kernel}/${mutation}`, run: () => refusalOf(() => call(inputs, BASELINES[kernel].attrs?.()), typed(INPUT_CODES)) };
      }
      for (const [mutation, attrs] of attrMutations(kernel)) {
        if (!sample()) continue;
        yield {
          id: `${backend.name}/${kernel}/attr-${mutation}`,
          async run() {
            const { inputs, made } = makeInputs(b, kernel, spec);
            try {
              return await refusalOf(async () => disposeOutputs(b, await call(inputs, attrs)), typed(ATTR_CODES));
            } finally {
              cleanUp(b, made);
            }
          },
        };
      }
      if (kernel === 'softmaxCrossEntropy') {
        for (const [mutation, labels] of [['label-equal-k', [0, 5]], ['label-negative', [-1, 0]], ['label-huge', [2 ** 31 - 1, 0]]]) {
          if (!sample()) continue;
          yield {
            id: `${backend.name}/${kernel}/${mutation}`,
            async run() {
              const { inputs, made } = makeInputs(b, kernel, spec, { labels: (_t, m) => {
                const u = b.upload(Int32Array.from(labels), [2], 'int32');
                m.push(u);
                return u;
              } });
              try {
                return await refusalOf(async () => disposeOutputs(b, await b.softmaxCrossEntropy(inputs)), typed(['INVALID_ARGUMENT']));
              } finally {
                cleanUp(b, made);
              }
            },
          };
        }
      }
    }

    for (const [id, data, shape, dtype] of BAD_UPLOADS) {
      if (!sample()) continue;
      yield { id: `${backend.name}/upload/${id}`, run: () => refusalOf(() => cleanUp(b, [b.upload(data, shape, dtype)]), typed(['INVALID_ARGUMENT', 'SHAPE'])) };
    }
    for (const [id, data, shape, dtype] of GOOD_UPLOADS) {
      if (!sample()) continue;
      yield {
        id: `${backend.name}/upload/${id}`, malformed: false,
        async run() {
          try {
            const t = b.upload(data, shape, dtype);
            await b.read(t);
            b.dispose(t);
            return { outcome: 'accepted', detail: 'uploaded and read back' };
          } catch (e) {
            return { outcome: 'refused', detail: describeError(e) };
          }
        },
      };
    }
    for (const [id, shape] of BAD_RESHAPES) {
      if (!sample()) continue;
      yield {
        id: `${backend.name}/${id}`,
        async run() {
          const t = b.upload(values(6), [2, 3]);
          try {
            return await refusalOf(() => cleanUp(b, [b.reshape(t, shape)]), typed(['INVALID_ARGUMENT', 'SHAPE']));
          } finally {
            cleanUp(b, [t]);
          }
        },
      };
    }
    for (const [id, use] of [['read-disposed', (t) => b.read(t)], ['dispose-twice', (t) => b.dispose(t)], ['reshape-disposed', (t) => b.reshape(t, [6])]]) {
      if (!sample()) continue;
      yield {
        id: `${backend.name}/${id}`,
        run() {
          const t = b.upload(values(6), [2, 3]);
          b.dispose(t);
          return refusalOf(() => use(t), typed(['DISPOSED']));
        },
      };
    }

    // core's own list, exactly as each backend package's tests run it.
    for (const c of openBoundaryCases(b, sibling)) {
      if (!sample()) continue;
      yield { id: `${backend.name}/boundary/${c.id}`, run: () => boundaryOutcome(c) };
    }
    // After close(): a throwaway instance, so the open trials above keep theirs.
    let closed;
    let handle;
    try {
      closed = await backend.create();
      handle = closed.upload(values(6), [2, 3]);
      await closed.close();
    } catch (e) {
      yield { id: `${backend.name}/close`, malformed: false, run: async () => ({ outcome: 'refused', detail: describeError(e) }) };
    }
    if (closed && handle) {
      for (const c of closedBoundaryCases(closed, handle)) {
        if (!sample()) continue;
        yield { id: `${backend.name}/closed/${c.id}`, run: () => boundaryOutcome(c) };
      }
      yield {
        id: `${backend.name}/closed/close-again-and-memory`, malformed: false,
        async run() {
          try {
            await closed.close();
            const m = closed.memory();
            return m.tensors === 0 && m.bytes === 0 ? { outcome: 'accepted', detail: 'no-op, nothing live' } : { outcome: 'refused', detail: `memory() after close reports ${JSON.stringify(m)}` };
          } catch (e) {
            return { outcome: 'refused', detail: describeError(e) };
          }
        },
      };
    }
    await Promise.allSettled([b.close(), sibling.close()]);
  }
}

/** A core boundary case: refused as it requires; accepted when the call returned; crash for anything else. */
async function boundaryOutcome(c) {
  const failure = await misrefusal(c);
  if (failure === undefined) return { outcome: 'refused', detail: `${c.code} as required` };
  return { outcome: failure.includes('was accepted') ? 'accepted' : 'crash', detail: failure };
}
