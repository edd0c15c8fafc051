// BatchNorm kernels of @bnkit/backend-ts against hand-written plain-JS loops for the same math, timed in
// the same run (NCHW with channel axis 1; the training forward also NHWC with axis -1). Build first (`pnpm --filter @bnkit/backend-ts build`), then:
//   node packages/backend-ts/scripts/bench-batchnorm.mjs [N C H W]      default 256 6 24 24
import { batchNormAttrs } from '@bnkit/core';
import createBackend from '../dist/index.js';

const [N, C, H, W] = process.argv.length >= 6 ? process.argv.slice(2, 6).map(Number) : [256, 6, 24, 24];
const HW = H * W, n = N * HW, total = N * C * HW, eps = 1e-5, momentum = 0.9;

let seed = 12345;
const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const x = Float32Array.from({ length: total }, () => 3 + next());
const dy = Float32Array.from({ length: total }, next);
const gamma = Float32Array.from({ length: C }, () => 1 + 0.5 * next());
const beta = Float32Array.from({ length: C }, next);
const rMean = new Float32Array(C), rVar = new Float32Array(C).fill(1);

// ---- hand-written loops: typed arrays, float64 accumulators, channel-major, NCHW only ----------------
// "simple": one accumulator per sum, the loop anyone would write (docs/lenet-bn.md's 2.2 ms anchor).
// "unrolled": four accumulators per sum, which breaks V8's serial float-add chain.
// Arrays come in as arguments, as in any reusable function (module constants would let V8 embed them),
// the output too: "fresh" passes a new array per call as a kernel must return one, "reused" passes the
// same array every time, which leaves only the arithmetic (the kernels take their outputs from the
// backend's pool of disposed storage, so they sit between the two).
const sMean = new Float64Array(C), sInv = new Float64Array(C);

function trainForwardSimple(x, gamma, beta, rMean, rVar, y) {
  const rm = new Float32Array(C), rv = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let o = 0; o < N; o++) for (let i = (o * C + c) * HW, e = i + HW; i < e; i++) s += x[i];
    const m = s / n;
    let q = 0;
    for (let o = 0; o < N; o++) for (let i = (o * C + c) * HW, e = i + HW; i < e; i++) { const d = x[i] - m; q += d * d; }
    const inv = 1 / Math.sqrt(q / n + eps), sc = gamma[c] * inv, b = beta[c];
    for (let o = 0; o < N; o++) for (let i = (o * C + c) * HW, e = i + HW; i < e; i++) y[i] = (x[i] - m) * sc + b;
    sMean[c] = m; sInv[c] = inv;
    rm[c] = momentum * rMean[c] + (1 - momentum) * m;
    rv[c] = momentum * rVar[c] + (1 - momentum) * q / (n - 1);
  }
  return y;
}

function trainForwardUnrolled(x, gamma, beta, rMean, rVar, y) {
  const rm = new Float32Array(C), rv = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let o = 0; o < N; o++) {
      let i = (o * C + c) * HW; const e = i + HW;
      for (; i + 3 < e; i += 4) { s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]; }
      for (; i < e; i++) s0 += x[i];
    }
    const m = (s0 + s1 + s2 + s3) / n;
    let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    for (let o = 0; o < N; o++) {
      let i = (o * C + c) * HW; const e = i + HW;
      for (; i + 3 < e; i += 4) {
        const d0 = x[i] - m, d1 = x[i + 1] - m, d2 = x[i + 2] - m, d3 = x[i + 3] - m;
        q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2; q3 += d3 * d3;
      }
      for (; i < e; i++) { const d = x[i] - m; q0 += d * d; }
    }
    const q = q0 + q1 + q2 + q3;
    const inv = 1 / Math.sqrt(q / n + eps), sc = gamma[c] * inv, b = beta[c];
    for (let o = 0; o < N; o++) for (let i = (o * C + c) * HW, e = i + HW; i < e; i++) y[i] = (x[i] - m) * sc + b;
    rm[c] = momentum * rMean[c] + (1 - momentum) * m;
    rv[c] = momentum * rVar[c] + (1 - momentum) * q / (n - 1);
  }
  return y;
}

function trainBackwardSimple(x, dy, gamma, sMean, sInv, dx) {
  const dg = new Float32Array(C), db = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const m = sMean[c], inv = sInv[c];
    let sd = 0, sdx = 0;
    for (let o = 0; o < N; o++) for (let i = (o * C + c) * HW, e = i + HW; i < e; i++) { sd += dy[i]; sdx += dy[i] * (x[i] - m); }
    const a = gamma[c] * inv, k = -a * inv * inv * sdx / n, b = -a * sd / n;
    for (let o = 0; o < N; o++) for (let i = (o * C + c) * HW, e = i + HW; i < e; i++) dx[i] = a * dy[i] + k * (x[i] - m) + b;
    dg[c] = sdx * inv; db[c] = sd;
  }
  return dx;
}

function trainBackwardUnrolled(x, dy, gamma, sMean, sInv, dx) {
  const dg = new Float32Array(C), db = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const m = sMean[c], inv = sInv[c];
    let d0 = 0, d1 = 0, p0 = 0, p1 = 0;
    for (let o = 0; o < N; o++) {
      let i = (o * C + c) * HW; const e = i + HW;
      for (; i + 1 < e; i += 2) { d0 += dy[i]; d1 += dy[i + 1]; p0 += dy[i] * (x[i] - m); p1 += dy[i + 1] * (x[i + 1] - m); }
      for (; i < e; i++) { d0 += dy[i]; p0 += dy[i] * (x[i] - m); }
    }
    const sd = d0 + d1, sdx = p0 + p1;
    const a = gamma[c] * inv, k = -a * inv * inv * sdx / n, b = -a * sd / n;
    for (let o = 0; o < N; o++) for (let i = (o * C + c) * HW, e = i + HW; i < e; i++) dx[i] = a * dy[i] + k * (x[i] - m) + b;
    dg[c] = sdx * inv; db[c] = sd;
  }
  return dx;
}

function evalForwardHand(x, gamma, beta, rMean, rVar, y) {
  for (let c = 0; c < C; c++) {
    const m = rMean[c], sc = gamma[c] / Math.sqrt(rVar[c] + eps), b = beta[c];
    for (let o = 0; o < N; o++) for (let i = (o * C + c) * HW, e = i + HW; i < e; i++) y[i] = (x[i] - m) * sc + b;
  }
  return y;
}

// NHWC (channel axis last): the row-by-row loop anyone would write, per-channel sums in Float64Arrays.
function trainForwardRowsNhwc(x, gamma, beta, y) {
  const mean = new Float64Array(C), q = new Float64Array(C), scale = new Float64Array(C);
  for (let r = 0; r < total; r += C) for (let c = 0; c < C; c++) mean[c] += x[r + c];
  for (let c = 0; c < C; c++) mean[c] /= n;
  for (let r = 0; r < total; r += C) for (let c = 0; c < C; c++) { const d = x[r + c] - mean[c]; q[c] += d * d; }
  for (let c = 0; c < C; c++) scale[c] = gamma[c] / Math.sqrt(q[c] / n + eps);
  for (let r = 0; r < total; r += C) for (let c = 0; c < C; c++) y[r + c] = (x[r + c] - mean[c]) * scale[c] + beta[c];
  return y;
}

// ---- naive: plain arrays and full index arithmetic, for scale ------------------------------------------
function trainForwardNaive(x, gamma, beta) {
  const mean = new Array(C).fill(0), v = new Array(C).fill(0), y = new Float32Array(total);
  for (let o = 0; o < N; o++) for (let c = 0; c < C; c++) for (let i = 0; i < HW; i++) mean[c] += x[(o * C + c) * HW + i];
  for (let c = 0; c < C; c++) mean[c] /= n;
  for (let o = 0; o < N; o++) for (let c = 0; c < C; c++) for (let i = 0; i < HW; i++) v[c] += (x[(o * C + c) * HW + i] - mean[c]) ** 2;
  for (let c = 0; c < C; c++) v[c] /= n;
  for (let o = 0; o < N; o++) for (let c = 0; c < C; c++) for (let i = 0; i < HW; i++) {
    const k = (o * C + c) * HW + i;
    y[k] = (gamma[c] * (x[k] - mean[c])) / Math.sqrt(v[c] + eps) + beta[c];
  }
  return y;
}

// ---- the kernels, through the public backend (validation, handles and all) ----------------------------
const b = await createBackend({ threads: 1 });
const attrs = batchNormAttrs({ axis: 1, eps, momentum });
const tx = b.upload(x, [N, C, H, W]), tdy = b.upload(dy, [N, C, H, W]);
const tg = b.upload(gamma, [C]), tb = b.upload(beta, [C]), trm = b.upload(rMean, [C]), trv = b.upload(rVar, [C]);
const inputs = { x: tx, gamma: tg, beta: tb, runningMean: trm, runningVar: trv };
const saved = await b.batchNormTrain(inputs, attrs);
const disposeAll = (r) => { for (const t of r.shape ? [r] : Object.values(r)) b.dispose(t); };

async function kernelTrain() { disposeAll(await b.batchNormTrain(inputs, attrs)); }
async function kernelTrainBackward() {
  disposeAll(await b.batchNormTrainBackward({ x: tx, dy: tdy, gamma: tg, mean: saved.mean, invStd: saved.invStd }, attrs));
}
async function kernelEval() { disposeAll(await b.batchNormEval(inputs, attrs)); }
const nhwcInputs = { ...inputs, x: b.upload(x, [N, H, W, C]) }, nhwcAttrs = batchNormAttrs({ axis: -1, eps, momentum });
async function kernelTrainNhwc() { disposeAll(await b.batchNormTrain(nhwcInputs, nhwcAttrs)); }
trainForwardSimple(x, gamma, beta, rMean, rVar, new Float32Array(total)); // fills sMean / sInv for the hand-written backward loops

/**
 * ms per call: the fastest of `rounds` rounds of `reps` calls, the candidates interleaved so drift hits all
 * of them alike. The fastest round, not the median, because on a shared machine other processes only ever
 * add time.
 */
async function timeAll(fns, rounds = 20, reps = 10) {
  const samples = fns.map(() => []);
  for (let r = -3; r < rounds; r++) {
    for (let f = 0; f < fns.length; f++) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await fns[f]();
      if (r >= 0) samples[f].push((performance.now() - t0) / reps);
    }
  }
  return samples.map((s) => Math.min(...s));
}

const out = new Float32Array(total);
const fresh = () => new Float32Array(total);
const groups = [
  ['train forward', kernelTrain, {
    'simple fresh': () => trainForwardSimple(x, gamma, beta, rMean, rVar, fresh()),
    'unrolled fresh': () => trainForwardUnrolled(x, gamma, beta, rMean, rVar, fresh()),
    'unrolled reused': () => trainForwardUnrolled(x, gamma, beta, rMean, rVar, out),
    'naive': () => trainForwardNaive(x, gamma, beta),
  }],
  ['train backward', kernelTrainBackward, {
    'simple fresh': () => trainBackwardSimple(x, dy, gamma, sMean, sInv, fresh()),
    'unrolled fresh': () => trainBackwardUnrolled(x, dy, gamma, sMean, sInv, fresh()),
    'unrolled reused': () => trainBackwardUnrolled(x, dy, gamma, sMean, sInv, out),
  }],
  ['train fwd NHWC', kernelTrainNhwc, {
    'rows fresh': () => trainForwardRowsNhwc(x, gamma, beta, fresh()),
    'rows reused': () => trainForwardRowsNhwc(x, gamma, beta, out),
  }],
  ['eval forward', kernelEval, {
    'fresh': () => evalForwardHand(x, gamma, beta, rMean, rVar, fresh()),
    'reused': () => evalForwardHand(x, gamma, beta, rMean, rVar, out),
  }],
];
console.log(`BatchNorm (${N},${C},${H},${W}) NCHW (axis 1) and (${N},${H},${W},${C}) NHWC (axis -1), 1 thread, Node ${process.version}; ms per call, fastest round`);
for (const [name, kernel, hands] of groups) {
  const [k, ...h] = await timeAll([kernel, ...Object.values(hands)]);
  const labels = Object.keys(hands);
  const best = Math.min(...h);
  const hs = labels.map((l, i) => `${l} ${h[i].toFixed(3)}`).join(', ');
  console.log(`${name.padEnd(15)} kernel ${k.toFixed(3)} | hand-written: ${hs} | kernel / best hand = ${(k / best).toFixed(2)}`);
}
await b.close();
