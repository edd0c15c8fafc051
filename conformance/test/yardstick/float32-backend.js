// The float32 yardstick: a backend written from the contract alone, the straightforward way — every value
// stored and every operation rounded to float32 (Math.fround), reductions summed pairwise in float32, the
// BatchNorm backward using the saved float32 mean as given (as PyTorch's float32 kernels do) or, with
// `refineMean: true`, correcting it by one extra pass. The suite's tolerances are calibrated so that this
// backend uses at most half of each (test/tolerance-model.test.ts); it is no reference, only the accuracy a
// careful float32 implementation reaches.
import { SPECIFICATION_VERSION, batchNormLayout, checked, conv2dGeometry, pool2dGeometry, sizeOf } from '@bnkit/core';

const f = Math.fround;

/** Pairwise float32 sum of term(i) for i in [lo, hi): blocks of 8 summed in order, then a binary tree. */
function sum32(lo, hi, term) {
  if (hi - lo <= 8) {
    let s = 0;
    for (let i = lo; i < hi; i++) s = f(s + term(i));
    return s;
  }
  const mid = lo + Math.floor((hi - lo) / 2);
  return f(sum32(lo, mid, term) + sum32(mid, hi, term));
}

/** The flat indices of channel c, in order, for x viewed as [outer, channels, inner]. */
function channelIndices(shape, axis) {
  const { outer, channels, inner } = batchNormLayout(shape, axis);
  const of = (c) => {
    const idx = new Int32Array(outer * inner);
    let k = 0;
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) idx[k++] = (o * channels + c) * inner + j;
    return idx;
  };
  return Array.from({ length: channels }, (_, c) => of(c));
}

function channelSum(values, idx) {
  return sum32(0, idx.length, (k) => values[idx[k]]);
}

export default async function createBackend(options = {}) {
  const refineMean = options.refineMean === true;
  const name = refineMean ? 'float32-yardstick-refining' : 'float32-yardstick';
  let live = 0;
  let bytes = 0;
  const make = (data, shape, dtype = 'float32') => {
    live++;
    bytes += data.length * 4;
    return { shape: [...shape], dtype, backend: name, data };
  };
  const out = (shape, fill) => {
    const data = new Float32Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = fill(i);
    return make(data, shape);
  };
  const perChannel = (values) => make(Float32Array.from(values), [values.length]);

  const impl = {
    specificationVersion: SPECIFICATION_VERSION,
    name,
    device: { kind: 'cpu', name: 'float32 yardstick', description: refineMean ? 'refines the saved mean in backward' : 'uses the saved mean as given' },
    capabilities: ['batchNorm', 'training'],
    upload(data, shape, dtype) {
      const type = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
      return make(type === 'int32' ? Int32Array.from(data) : Float32Array.from(data), shape, type);
    },
    async read(t) {
      return t.data.slice();
    },
    reshape(t, shape) {
      return make(t.data.slice(), shape, t.dtype);
    },
    dispose(t) {
      if (t.data === null) return;
      live--;
      bytes -= t.data.length * 4;
      t.data = null;
    },
    memory: () => ({ tensors: live, bytes }),
    async close() {},

    // ---------------------------------------------------------------------------------------- BatchNorm
    async batchNormTrain({ x, gamma, beta, runningMean, runningVar }, attrs) {
      const channels = channelIndices(x.shape, attrs.axis);
      const n = channels[0].length;
      const mean = channels.map((idx) => f(channelSum(x.data, idx) / n));
      const variance = channels.map((idx, c) => f(sum32(0, idx.length, (k) => { const d = f(x.data[idx[k]] - mean[c]); return f(d * d); }) / n));
      const invStd = variance.map((v) => f(1 / f(Math.sqrt(f(v + attrs.eps)))));
      const y = new Float32Array(x.data.length);
      channels.forEach((idx, c) => {
        const a = f(gamma.data[c] * invStd[c]);
        for (const i of idx) y[i] = f(f(f(x.data[i] - mean[c]) * a) + beta.data[c]);
      });
      const m = f(attrs.momentum);
      const keep = f(1 - m);
      const estimator = attrs.runningVar === 'unbiased' ? f(n / (n - 1)) : 1;
      return {
        y: make(y, x.shape),
        runningMean: perChannel(mean.map((mu, c) => f(f(m * runningMean.data[c]) + f(keep * mu)))),
        runningVar: perChannel(variance.map((v, c) => f(f(m * runningVar.data[c]) + f(keep * f(v * estimator))))),
        mean: perChannel(mean),
        invStd: perChannel(invStd),
      };
    },
    async batchNormTrainBackward({ x, dy, gamma, mean, invStd }, attrs) {
      const channels = channelIndices(x.shape, attrs.axis);
      const n = channels[0].length;
      const mu = channels.map((idx, c) =>
        refineMean ? f(mean.data[c] + f(sum32(0, idx.length, (k) => f(x.data[idx[k]] - mean.data[c])) / n)) : mean.data[c],
      );
      const xhat = (c, i) => f(f(x.data[i] - mu[c]) * invStd.data[c]);
      const dbeta = channels.map((idx) => channelSum(dy.data, idx));
      const dgamma = channels.map((idx, c) => sum32(0, idx.length, (k) => f(dy.data[idx[k]] * xhat(c, idx[k]))));
      const dx = new Float32Array(x.data.length);
      channels.forEach((idx, c) => {
        const a = f(f(gamma.data[c] * invStd.data[c]) / n);
        for (const i of idx) dx[i] = f(a * f(f(f(n * dy.data[i]) - dbeta[c]) - f(xhat(c, i) * dgamma[c])));
      });
      return { dx: make(dx, x.shape), dgamma: perChannel(dgamma), dbeta: perChannel(dbeta) };
    },
    async batchNormEval({ x, gamma, beta, runningMean, runningVar }, attrs) {
      const channels = channelIndices(x.shape, attrs.axis);
      const y = new Float32Array(x.data.length);
      channels.forEach((idx, c) => {
        const a = f(gamma.data[c] * f(1 / f(Math.sqrt(f(runningVar.data[c] + attrs.eps)))));
        for (const i of idx) y[i] = f(f(f(x.data[i] - runningMean.data[c]) * a) + beta.data[c]);
      });
      return make(y, x.shape);
    },
    async batchNormEvalBackward({ x, dy, gamma, runningMean, runningVar }, attrs) {
      const channels = channelIndices(x.shape, attrs.axis);
      const s = channels.map((_, c) => f(1 / f(Math.sqrt(f(runningVar.data[c] + attrs.eps)))));
      const dx = new Float32Array(x.data.length);
      channels.forEach((idx, c) => {
        const a = f(gamma.data[c] * s[c]);
        for (const i of idx) dx[i] = f(dy.data[i] * a);
      });
      const dgamma = channels.map((idx, c) => sum32(0, idx.length, (k) => f(dy.data[idx[k]] * f(f(x.data[idx[k]] - runningMean.data[c]) * s[c]))));
      return { dx: make(dx, x.shape), dgamma: perChannel(dgamma), dbeta: perChannel(channels.map((idx) => channelSum(dy.data, idx))) };
    },

    // ----------------------------------------------------------------------------------------- training
    async conv2d({ x, weight, bias }, attrs) {
      const g = conv2dGeometry(x.shape, weight.shape, attrs);
      const [sh, sw] = attrs.stride;
      const [ph, pw] = attrs.padding;
      const taps = g.cin * g.kh * g.kw;
      return out([g.n, g.cout, g.oh, g.ow], (o) => {
        const ow = o % g.ow; const oh = Math.floor(o / g.ow) % g.oh; const co = Math.floor(o / (g.ow * g.oh)) % g.cout; const b = Math.floor(o / (g.ow * g.oh * g.cout));
        const acc = sum32(0, taps, (t) => {
          const kw = t % g.kw; const kh = Math.floor(t / g.kw) % g.kh; const ci = Math.floor(t / (g.kw * g.kh));
          const ih = oh * sh - ph + kh; const iw = ow * sw - pw + kw;
          if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return 0;
          return f(x.data[((b * g.cin + ci) * g.h + ih) * g.w + iw] * weight.data[((co * g.cin + ci) * g.kh + kh) * g.kw + kw]);
        });
        return f(acc + bias.data[co]);
      });
    },
    async conv2dBackward({ x, weight, dy }, attrs) {
      const g = conv2dGeometry(x.shape, weight.shape, attrs);
      const [sh, sw] = attrs.stride;
      const [ph, pw] = attrs.padding;
      const dyAt = (b, co, oh, ow) => dy.data[((b * g.cout + co) * g.oh + oh) * g.ow + ow];
      const positions = g.n * g.oh * g.ow;
      const dweight = out(weight.shape, (w) => {
        const kw = w % g.kw; const kh = Math.floor(w / g.kw) % g.kh; const ci = Math.floor(w / (g.kw * g.kh)) % g.cin; const co = Math.floor(w / (g.kw * g.kh * g.cin));
        return sum32(0, positions, (p) => {
          const ow = p % g.ow; const oh = Math.floor(p / g.ow) % g.oh; const b = Math.floor(p / (g.ow * g.oh));
          const ih = oh * sh - ph + kh; const iw = ow * sw - pw + kw;
          if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return 0;
          return f(x.data[((b * g.cin + ci) * g.h + ih) * g.w + iw] * dyAt(b, co, oh, ow));
        });
      });
      const dbias = out([g.cout], (co) => sum32(0, positions, (p) => dyAt(Math.floor(p / (g.ow * g.oh)), co, Math.floor(p / g.ow) % g.oh, p % g.ow)));
      if (attrs.inputGradient === false) return { dweight, dbias };
      const taps = g.cout * g.kh * g.kw;
      const dx = out(x.shape, (i) => {
        const iw = i % g.w; const ih = Math.floor(i / g.w) % g.h; const ci = Math.floor(i / (g.w * g.h)) % g.cin; const b = Math.floor(i / (g.w * g.h * g.cin));
        return sum32(0, taps, (t) => {
          const kw = t % g.kw; const kh = Math.floor(t / g.kw) % g.kh; const co = Math.floor(t / (g.kw * g.kh));
          const oh = (ih + ph - kh) / sh; const ow = (iw + pw - kw) / sw;
          if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 0 || oh >= g.oh || ow < 0 || ow >= g.ow) return 0;
          return f(weight.data[((co * g.cin + ci) * g.kh + kh) * g.kw + kw] * dyAt(b, co, oh, ow));
        });
      });
      return { dx, dweight, dbias };
    },
    async linear({ x, weight, bias }) {
      const [n, fin] = x.shape;
      const fout = weight.shape[0];
      return out([n, fout], (o) => {
        const r = Math.floor(o / fout); const j = o % fout;
        return f(sum32(0, fin, (k) => f(x.data[r * fin + k] * weight.data[j * fin + k])) + bias.data[j]);
      });
    },
    async linearBackward({ x, weight, dy }) {
      const [n, fin] = x.shape;
      const fout = weight.shape[0];
      return {
        dx: out([n, fin], (o) => { const r = Math.floor(o / fin); const k = o % fin; return sum32(0, fout, (j) => f(dy.data[r * fout + j] * weight.data[j * fin + k])); }),
        dweight: out([fout, fin], (o) => { const j = Math.floor(o / fin); const k = o % fin; return sum32(0, n, (r) => f(dy.data[r * fout + j] * x.data[r * fin + k])); }),
        dbias: out([fout], (j) => sum32(0, n, (r) => dy.data[r * fout + j])),
      };
    },
    avgPool2d: async ({ x }, attrs) => pool(x, attrs, 'avg'),
    maxPool2d: async ({ x }, attrs) => pool(x, attrs, 'max'),
    avgPool2dBackward: async ({ x, dy }, attrs) => poolBackward(x, dy, attrs, 'avg'),
    maxPool2dBackward: async ({ x, dy }, attrs) => poolBackward(x, dy, attrs, 'max'),
    async sigmoid({ x }) {
      return out(x.shape, (i) => f(1 / f(1 + f(Math.exp(-x.data[i])))));
    },
    async sigmoidBackward({ y, dy }) {
      return out(y.shape, (i) => f(f(dy.data[i] * y.data[i]) * f(1 - y.data[i])));
    },
    async relu({ x }) {
      return out(x.shape, (i) => (x.data[i] > 0 ? x.data[i] : x.data[i] === x.data[i] ? 0 : x.data[i]));
    },
    async reluBackward({ x, dy }) {
      return out(x.shape, (i) => (x.data[i] <= 0 ? 0 : dy.data[i]));
    },
    async softmaxCrossEntropy({ logits, labels }) {
      const [n, k] = logits.shape;
      const z = logits.data;
      const max = Array.from({ length: n }, (_, r) => z.slice(r * k, (r + 1) * k).reduce((a, b) => (b > a ? b : a), -Infinity));
      const sum = max.map((m, r) => sum32(0, k, (j) => f(Math.exp(f(z[r * k + j] - m)))));
      const rowLoss = (r) => f(f(max[r] - z[r * k + labels.data[r]]) + f(Math.log(sum[r])));
      return {
        loss: make(Float32Array.of(f(sum32(0, n, rowLoss) / n)), [1]),
        dlogits: out([n, k], (i) => {
          const r = Math.floor(i / k);
          const p = f(f(Math.exp(f(z[i] - max[r]))) / sum[r]);
          return f((i % k === labels.data[r] ? f(p - 1) : p) / n);
        }),
      };
    },
    async sgd({ param, grad }, attrs) {
      return out(param.shape, (i) => f(param.data[i] - f(attrs.lr * grad.data[i])));
    },
    async argmax({ x }) {
      const k = x.shape[x.shape.length - 1];
      const rows = x.data.length / k;
      const idx = new Int32Array(rows);
      for (let r = 0; r < rows; r++) idx[r] = argmaxOf(x, Array.from({ length: k }, (_, j) => r * k + j)) - r * k;
      return make(idx, x.shape.slice(0, -1), 'int32');
    },
  };

  /** The window of output (b, c, oh, ow) as flat input indices, -1 where it lies in the padding. */
  function windowOf(g, attrs, b, c, oh, ow) {
    const [kh, kw] = attrs.kernel;
    const cells = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const ih = oh * attrs.stride[0] - attrs.padding[0] + i;
        const iw = ow * attrs.stride[1] - attrs.padding[1] + j;
        cells.push(ih < 0 || ih >= g.h || iw < 0 || iw >= g.w ? -1 : ((b * g.c + c) * g.h + ih) * g.w + iw);
      }
    }
    return cells;
  }

  /** The first maximum of `cells` (flat indices; -1 is padding, never chosen), NaN counting as the largest. */
  function argmaxOf(x, cells) {
    let best = -1;
    for (const i of cells) {
      if (i < 0) continue;
      if (best < 0 || x.data[i] > x.data[best] || (Number.isNaN(x.data[i]) && !Number.isNaN(x.data[best]))) best = i;
    }
    return best;
  }

  function forEachWindow(x, attrs, visit) {
    const g = pool2dGeometry(x.shape, attrs);
    for (let b = 0; b < g.n; b++) for (let c = 0; c < g.c; c++) for (let oh = 0; oh < g.oh; oh++) for (let ow = 0; ow < g.ow; ow++) {
      visit(((b * g.c + c) * g.oh + oh) * g.ow + ow, windowOf(g, attrs, b, c, oh, ow));
    }
    return g;
  }

  function pool(x, attrs, kind) {
    const g = pool2dGeometry(x.shape, attrs);
    const y = new Float32Array(g.n * g.c * g.oh * g.ow);
    const area = attrs.kernel[0] * attrs.kernel[1];
    forEachWindow(x, attrs, (o, cells) => {
      if (kind === 'max') {
        const best = argmaxOf(x, cells);
        y[o] = best < 0 ? -Infinity : x.data[best];
      } else {
        y[o] = f(sum32(0, cells.length, (k) => (cells[k] < 0 ? 0 : x.data[cells[k]])) / area);
      }
    });
    return make(y, [g.n, g.c, g.oh, g.ow]);
  }

  function poolBackward(x, dy, attrs, kind) {
    const dx = new Float32Array(x.data.length);
    const area = attrs.kernel[0] * attrs.kernel[1];
    forEachWindow(x, attrs, (o, cells) => {
      if (kind === 'max') {
        const best = argmaxOf(x, cells);
        if (best >= 0) dx[best] = f(dx[best] + dy.data[o]);
      } else {
        const share = f(dy.data[o] / area);
        for (const i of cells) if (i >= 0) dx[i] = f(dx[i] + share);
      }
    });
    return make(dx, x.shape);
  }

  return checked(impl);
}
