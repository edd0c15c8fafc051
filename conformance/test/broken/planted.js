// Planted faults: backend-ts with one deliberately broken kernel (or handle call) each, every one a bug that
// shows only on some inputs. Each entry names the conformance check that must reject it; the README's
// table of planted faults lists the same. The backends of the first seven faults are in their own files.
import { batchNormLayout } from '@bnkit/core';
import { faultyTrain, faultyTrainBackward, withOverrides } from './break-backend.js';
import { argmaxLastTie, maxPoolGradientToLastTie, maxPoolPaddingAsZero, reluGradientAtZero, softmaxWithoutMax } from './break-training.js';
import { maxPoolBackward } from './host-pool.js';

const read32 = async (b, t) => Float32Array.from(await b.read(t));

/** Rounds to `bits` significant bits (11: float16, 8: bfloat16), to nearest; the data stay in the normal range of both. */
function roundToBits(v, bits) {
  if (v === 0 || !Number.isFinite(v)) return v;
  const quantum = 2 ** (Math.floor(Math.log2(Math.abs(v))) - (bits - 1));
  return Math.round(v / quantum) * quantum;
}

/** Replaces a result tensor by `f(values)` uploaded in its place (the original is disposed). */
async function mapValues(b, t, f) {
  const values = f(await read32(b, t));
  b.dispose(t);
  return b.upload(values, t.shape);
}

/** backend-ts whose `kernel` is `wrap(base, call)`, where `call(inputs, attrs)` runs the real kernel. */
function wrapKernel(id, kernel, wrap) {
  return (options) =>
    withOverrides(`broken-${id}`, options, `a faulty ${kernel} (${id})`, (b) => ({ [kernel]: wrap(b, (inputs, attrs) => b[kernel](inputs, attrs)) }));
}

/** batchNormTrain called with attributes the fault rewrites. */
const trainWithAttrs = (id, rewrite) => wrapKernel(id, 'batchNormTrain', (b, call) => (inputs, attrs) => call(inputs, rewrite(attrs, inputs)));

const singleChannelNoAffine = wrapKernel('single-channel-no-affine', 'batchNormTrain', (b, call) => async (inputs, attrs) => {
  if (inputs.gamma.shape[0] !== 1) return call(inputs, attrs);
  // One channel taken for a plain standardisation: gamma and beta skipped.
  const [one, zero] = [b.upload([1], [1]), b.upload([0], [1])];
  try {
    return await call({ ...inputs, gamma: one, beta: zero }, attrs);
  } finally {
    b.dispose(one);
    b.dispose(zero);
  }
});

const lastAxisChannelMajor = wrapKernel('last-axis-channel-major', 'batchNormTrain', (b, call) => async (inputs, attrs) => {
  const { axis, channels } = batchNormLayout(inputs.x.shape, attrs.axis);
  if (axis !== inputs.x.shape.length - 1) return call(inputs, attrs);
  // Channels-last data read as if each channel were one contiguous block.
  const blocks = b.reshape(inputs.x, [channels, inputs.x.shape.reduce((p, d) => p * d, 1) / channels]);
  const out = await call({ ...inputs, x: blocks }, { ...attrs, axis: 0 });
  b.dispose(blocks);
  const y = b.reshape(out.y, inputs.x.shape);
  b.dispose(out.y);
  return { ...out, y };
});

// Every one of these is rejected by the check named; numRuns is the same for every seed tried.
export const PLANTED_FAULTS = [
  // Training kernels on the boundary values check 9 draws: exact zeros, ties, all-negative padded windows,
  // logits where exp overflows float32.
  { fault: 'relu gradient passed through at exactly x = 0', check: 'backend-agreement', numRuns: 200, create: reluGradientAtZero },
  { fault: 'max-pool padding acting as 0 instead of −∞', check: 'backend-agreement', numRuns: 200, create: maxPoolPaddingAsZero },
  { fault: 'max-pool gradient to the last of tied maxima (check 9)', check: 'backend-agreement', numRuns: 200, create: maxPoolGradientToLastTie },
  { fault: 'argmax returning the last of tied maxima', check: 'backend-agreement', numRuns: 200, create: argmaxLastTie },
  { fault: 'softmax cross-entropy without the row maximum subtracted', check: 'backend-agreement', numRuns: 200, create: softmaxWithoutMax },
  {
    fault: 'C = 1: gamma and beta skipped (plain standardisation)',
    check: 'axis-handling',
    numRuns: 30,
    create: singleChannelNoAffine,
  },
  {
    fault: 'last axis: channels-last data read as contiguous channel blocks',
    check: 'axis-handling',
    numRuns: 10,
    create: lastAxisChannelMajor,
  },
  {
    fault: 'negative axis counted from the front (−k read as k − 1)',
    check: 'axis-handling',
    numRuns: 10,
    create: trainWithAttrs('negative-axis-from-front', (a) => (a.axis < 0 ? { ...a, axis: -a.axis - 1 } : a)),
  },
  {
    fault: 'rank 5: statistics from the first outer index only',
    check: 'axis-handling',
    numRuns: 30,
    create: faultyTrain('rank5-first-sample'),
  },
  {
    fault: '4-lane reduction that drops the remainder (count per channel not a multiple of 4)',
    check: 'axis-handling',
    numRuns: 10,
    create: faultyTrain('remainder-dropped'),
  },
  {
    fault: '8-lane Σdy, Σdy·xhat in the backward that drop the remainder',
    check: 'gradients',
    numRuns: 10,
    create: faultyTrainBackward('sums-remainder-dropped'),
  },
  {
    fault: 'training backward with the statistics of the latest forward call, not the mean/invStd it is given',
    check: 'gradients',
    numRuns: 10,
    create: (options) => {
      let latest;
      return withOverrides('broken-backward-latest-forward', options, 'a batchNormTrainBackward that reuses the latest forward', (b) => ({
        batchNormTrain: async (inputs, attrs) => {
          const out = await b.batchNormTrain(inputs, attrs);
          latest = { mean: await read32(b, out.mean), invStd: await read32(b, out.invStd) };
          return out;
        },
        batchNormTrainBackward: async (inputs, attrs) => {
          const c = [inputs.gamma.shape[0]];
          const [mean, invStd] = [b.upload(latest.mean, c), b.upload(latest.invStd, c)];
          try {
            return await b.batchNormTrainBackward({ ...inputs, mean, invStd }, attrs);
          } finally {
            b.dispose(mean);
            b.dispose(invStd);
          }
        },
      }));
    },
  },
  {
    fault: 'training backward that drops its saved-statistics inputs and recomputes them from x',
    check: 'gradients',
    numRuns: 10,
    create: faultyTrainBackward('saved-statistics-dropped'),
  },
  {
    fault: 'momentum 0 taken as unset (`momentum || 0.9`)',
    check: 'momentum',
    numRuns: 4,
    create: trainWithAttrs('momentum-zero-as-default', (a) => ({ ...a, momentum: a.momentum || 0.9 })),
  },
  {
    fault: 'momentum 1 clamped to 0.999',
    check: 'momentum',
    numRuns: 4,
    create: trainWithAttrs('momentum-one-clamped', (a) => ({ ...a, momentum: Math.min(a.momentum, 0.999) })),
  },
  {
    fault: 'tiny eps clamped to 1e-8',
    check: 'zero-mean-unit-variance',
    numRuns: 2,
    create: trainWithAttrs('eps-clamped', (a) => ({ ...a, eps: Math.max(a.eps, 1e-8) })),
  },
  {
    fault: 'eps below 1e-6 dropped (the smallest positive double used instead)',
    check: 'zero-mean-unit-variance',
    numRuns: 2,
    create: trainWithAttrs('eps-dropped', (a) => ({ ...a, eps: a.eps < 1e-6 ? Number.MIN_VALUE : a.eps })),
  },
  {
    fault: 'eval output with random jitter of about one ulp',
    check: 'eval-determinism',
    numRuns: 1,
    create: wrapKernel('eval-jitter', 'batchNormEval', (b, call) => async (inputs, attrs) =>
      mapValues(b, await call(inputs, attrs), (y) => y.map((v) => v * (1 + (Math.random() - 0.5) * 2 ** -22)))),
  },
  {
    fault: 'training output rounded to float16',
    check: 'axis-handling',
    numRuns: 10,
    create: wrapKernel('train-float16', 'batchNormTrain', (b, call) => async (inputs, attrs) => {
      const out = await call(inputs, attrs);
      return { ...out, y: await mapValues(b, out.y, (y) => y.map((v) => roundToBits(v, 11))) };
    }),
  },
  {
    fault: 'eval output rounded to bfloat16',
    check: 'eval-determinism',
    numRuns: 10,
    create: wrapKernel('eval-bfloat16', 'batchNormEval', (b, call) => async (inputs, attrs) =>
      mapValues(b, await call(inputs, attrs), (y) => y.map((v) => roundToBits(v, 8)))),
  },
  {
    fault: 'eval keeps the running statistics of its first call per channel count',
    check: 'eval-determinism',
    numRuns: 10,
    create: (options) => {
      const cache = new Map();
      return withOverrides('broken-eval-cached-running', options, 'a batchNormEval that caches running statistics', (b) => ({
        batchNormEval: async (inputs, attrs) => {
          const c = inputs.gamma.shape[0];
          if (!cache.has(c)) cache.set(c, { mean: await read32(b, inputs.runningMean), variance: await read32(b, inputs.runningVar) });
          const cached = cache.get(c);
          const [m, v] = [b.upload(cached.mean, [c]), b.upload(cached.variance, [c])];
          try {
            return await b.batchNormEval({ ...inputs, runningMean: m, runningVar: v }, attrs);
          } finally {
            b.dispose(m);
            b.dispose(v);
          }
        },
      }));
    },
  },
  {
    fault: 'training keeps its own running statistics per channel count, ignoring the ones passed in after the first call',
    check: 'momentum',
    numRuns: 10,
    create: (options) => {
      const state = new Map();
      return withOverrides('broken-train-stateful', options, 'a stateful batchNormTrain', (b) => ({
        batchNormTrain: async (inputs, attrs) => {
          const c = inputs.gamma.shape[0];
          const own = state.get(c);
          const running = own ? { runningMean: b.upload(own.mean, [c]), runningVar: b.upload(own.variance, [c]) } : {};
          try {
            const out = await b.batchNormTrain({ ...inputs, ...running }, attrs);
            state.set(c, { mean: await read32(b, out.runningMean), variance: await read32(b, out.runningVar) });
            return out;
          } finally {
            for (const t of Object.values(running)) b.dispose(t);
          }
        },
      }));
    },
  },
  {
    fault: 'training forward writes y into the storage of x (in place)',
    check: 'kernel-hygiene',
    numRuns: 1,
    create: wrapKernel('train-in-place', 'batchNormTrain', (b, call) => async (inputs, attrs) => {
      const out = await call(inputs, attrs);
      inputs.x.data.set(await b.read(out.y));
      return out;
    }),
  },
  {
    fault: 'relu in place (writes max(x, 0) into x)',
    check: 'kernel-hygiene',
    numRuns: 1,
    create: wrapKernel('relu-in-place', 'relu', (b, call) => async (inputs) => {
      const y = await call(inputs);
      inputs.x.data.set(await b.read(y));
      return y;
    }),
  },
  {
    fault: 'sgd updates param in place and returns the param handle',
    check: 'kernel-hygiene',
    numRuns: 1,
    create: wrapKernel('sgd-in-place', 'sgd', (b, call) => async (inputs, attrs) => {
      const updated = await call(inputs, attrs);
      inputs.param.data.set(await b.read(updated));
      b.dispose(updated);
      return inputs.param;
    }),
  },
  {
    fault: 'momentum 1 returns the running-statistics input handles as outputs',
    check: 'kernel-hygiene',
    numRuns: 20,
    create: wrapKernel('momentum-one-returns-inputs', 'batchNormTrain', (b, call) => async (inputs, attrs) => {
      const out = await call(inputs, attrs);
      if (attrs.momentum !== 1) return out;
      b.dispose(out.runningMean);
      b.dispose(out.runningVar);
      return { ...out, runningMean: inputs.runningMean, runningVar: inputs.runningVar };
    }),
  },
  {
    fault: 'momentum 0 returns one handle as both runningMean and mean',
    check: 'kernel-hygiene',
    numRuns: 20,
    create: wrapKernel('momentum-zero-shares-mean', 'batchNormTrain', (b, call) => async (inputs, attrs) => {
      const out = await call(inputs, attrs);
      if (attrs.momentum !== 0) return out;
      b.dispose(out.runningMean);
      return { ...out, runningMean: out.mean };
    }),
  },
  {
    fault: 'momentum 1 returns views of the running-statistics inputs, freed when the inputs are disposed',
    check: 'kernel-hygiene',
    numRuns: 20,
    create: (options) => {
      const views = new Map();
      return withOverrides('broken-momentum-one-views', options, 'a batchNormTrain returning views of its inputs', (b) => ({
        batchNormTrain: async (inputs, attrs) => {
          const out = await b.batchNormTrain(inputs, attrs);
          if (attrs.momentum !== 1) return out;
          b.dispose(out.runningMean);
          b.dispose(out.runningVar);
          const view = (t) => {
            const v = b.reshape(t, t.shape);
            views.set(t, [...(views.get(t) ?? []), v]);
            return v;
          };
          return { ...out, runningMean: view(inputs.runningMean), runningVar: view(inputs.runningVar) };
        },
        // Zero-copy without reference counting: disposing a tensor frees the views made of it.
        dispose: (t) => {
          for (const v of views.get(t) ?? []) b.dispose(v);
          views.delete(t);
          b.dispose(t);
        },
      }));
    },
  },
  {
    fault: 'max-pool gradient to the last of tied maxima',
    check: 'golden-fixtures',
    numRuns: 1,
    create: wrapKernel('max-pool-last-tie', 'maxPool2dBackward', (b) => async (inputs, attrs) =>
      b.upload(maxPoolBackward(await b.read(inputs.x), await b.read(inputs.dy), inputs.x.shape, attrs, 'last'), inputs.x.shape)),
  },
];
