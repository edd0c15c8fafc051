// Kernel timings of @bnkit/backend-tfjs on LeNet-BN shapes at batch 256, and a whole LeNet-BN training
// step. Usage: node bench/kernels.mjs [--device=cpu|wasm|webgpu|tensorflow] [--reps=N]
// Every timed call ends with a read of one output value, so GPU work is finished inside the timing.
import { BATCH_NORM_DEFAULTS } from '@bnkit/core';
import { createBackend } from '@bnkit/backend-tfjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const device = arg('device', 'auto');
const reps = Number(arg('reps', 5));
const N = 256;

let seed = 1;
const random = (n, scale = 1) => Float32Array.from({ length: n }, () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 2 * scale);

const b = await createBackend({ device });
console.log(`device ${b.device.kind} (${b.device.name})`);

/** Median wall time of `fn` over `reps` runs after one warm-up; fn returns the handles it made. */
async function time(label, fn) {
  const once = async () => {
    const t0 = performance.now();
    const made = await fn();
    await b.read(made[made.length - 1]);
    const ms = performance.now() - t0;
    for (const t of made) b.dispose(t);
    return ms;
  };
  await once();
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await once());
  runs.sort((p, q) => p - q);
  const ms = runs[Math.floor(runs.length / 2)];
  console.log(`${label.padEnd(52)} ${ms.toFixed(2).padStart(9)} ms`);
  return ms;
}

const up = (shape, scale = 1) => b.upload(random(shape.reduce((p, q) => p * q, 1), scale), shape);
const bn = BATCH_NORM_DEFAULTS;
const conv = { stride: [1, 1], padding: [0, 0] };
const pool = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };

const x1 = up([N, 1, 28, 28]);
const w1 = up([6, 1, 5, 5], 0.4);
const b1 = up([6]);
const dy1 = up([N, 6, 24, 24]);
const x2 = up([N, 6, 12, 12]);
const w2 = up([16, 6, 5, 5], 0.16);
const b2 = up([16]);
const dy2 = up([N, 16, 8, 8]);
const bnX = up([N, 6, 24, 24]);
const ones6 = b.upload(new Float32Array(6).fill(1), [6]);
const zeros6 = b.upload(new Float32Array(6), [6]);

await time('conv1 forward (256,1,28,28) k5 → 6', async () => [await b.conv2d({ x: x1, weight: w1, bias: b1 }, conv)]);
await time('conv1 backward, dW+db only (first layer)', async () => Object.values(await b.conv2dBackward({ x: x1, weight: w1, dy: dy1 }, { ...conv, inputGradient: false })));
await time('conv2 forward (256,6,12,12) k5 → 16', async () => [await b.conv2d({ x: x2, weight: w2, bias: b2 }, conv)]);
await time('conv2 backward, dx+dW+db', async () => Object.values(await b.conv2dBackward({ x: x2, weight: w2, dy: dy2 }, conv)));
await time('BN train forward (256,6,24,24)', async () => Object.values(await b.batchNormTrain({ x: bnX, gamma: ones6, beta: zeros6, runningMean: zeros6, runningVar: ones6 }, bn)));
await time('BN train forward+backward (256,6,24,24)', async () => {
  const f = await b.batchNormTrain({ x: bnX, gamma: ones6, beta: zeros6, runningMean: zeros6, runningVar: ones6 }, bn);
  const g = await b.batchNormTrainBackward({ x: bnX, dy: dy1, gamma: ones6, mean: f.mean, invStd: f.invStd }, bn);
  return [...Object.values(f), ...Object.values(g)];
});
await time('avgPool2d forward+backward (256,6,24,24)', async () => {
  const y = await b.avgPool2d({ x: bnX }, pool);
  return [y, await b.avgPool2dBackward({ x: bnX, dy: y }, pool)];
});

// A whole LeNet-BN training step (docs/lenet-bn.md), forward, backward and SGD, as @bnkit/nn runs it.
const shapes = {
  c1w: [6, 1, 5, 5], c1b: [6], c2w: [16, 6, 5, 5], c2b: [16], f1w: [120, 256], f1b: [120], f2w: [84, 120], f2b: [84], f3w: [10, 84], f3b: [10],
};
const params = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, up(s, 0.2)]));
const bnChannels = [6, 16, 120, 84];
const gammas = bnChannels.map((c) => b.upload(new Float32Array(c).fill(1), [c]));
const betas = bnChannels.map((c) => b.upload(new Float32Array(c), [c]));
let running = bnChannels.map((c) => ({ mean: b.upload(new Float32Array(c), [c]), var: b.upload(new Float32Array(c).fill(1), [c]) }));
const images = up([N, 1, 28, 28], 0.5);
const labels = b.upload(Int32Array.from({ length: N }, (_, i) => i % 10), [N], 'int32');

async function trainStep() {
  const made = [];
  const keep = (...ts) => (made.push(...ts), ts[0]);
  const bnLayer = async (i, x) => {
    const f = await b.batchNormTrain({ x, gamma: gammas[i], beta: betas[i], runningMean: running[i].mean, runningVar: running[i].var }, bn);
    b.dispose(running[i].mean);
    b.dispose(running[i].var);
    running[i] = { mean: f.runningMean, var: f.runningVar };
    keep(f.y, f.mean, f.invStd);
    return f;
  };
  const c1 = keep(await b.conv2d({ x: images, weight: params.c1w, bias: params.c1b }, conv));
  const n1 = await bnLayer(0, c1);
  const s1 = keep(await b.sigmoid({ x: n1.y }));
  const p1 = keep(await b.avgPool2d({ x: s1 }, pool));
  const c2 = keep(await b.conv2d({ x: p1, weight: params.c2w, bias: params.c2b }, conv));
  const n2 = await bnLayer(1, c2);
  const s2 = keep(await b.sigmoid({ x: n2.y }));
  const p2 = keep(await b.avgPool2d({ x: s2 }, pool));
  const flat = keep(b.reshape(p2, [N, 256]));
  const l1 = keep(await b.linear({ x: flat, weight: params.f1w, bias: params.f1b }));
  const n3 = await bnLayer(2, l1);
  const s3 = keep(await b.sigmoid({ x: n3.y }));
  const l2 = keep(await b.linear({ x: s3, weight: params.f2w, bias: params.f2b }));
  const n4 = await bnLayer(3, l2);
  const s4 = keep(await b.sigmoid({ x: n4.y }));
  const logits = keep(await b.linear({ x: s4, weight: params.f3w, bias: params.f3b }));
  const { loss, dlogits } = await b.softmaxCrossEntropy({ logits, labels });
  keep(loss, dlogits);
  const grads = {};
  const g3 = await b.linearBackward({ x: s4, weight: params.f3w, dy: dlogits });
  keep(g3.dx, g3.dweight, g3.dbias);
  [grads.f3w, grads.f3b] = [g3.dweight, g3.dbias];
  const bnBack = async (i, x, n, dy) => {
    const g = await b.batchNormTrainBackward({ x, dy, gamma: gammas[i], mean: n.mean, invStd: n.invStd }, bn);
    keep(g.dx, g.dgamma, g.dbeta);
    return g.dx;
  };
  const d4 = await bnBack(3, l2, n4, keep(await b.sigmoidBackward({ y: s4, dy: g3.dx })));
  const g2 = await b.linearBackward({ x: s3, weight: params.f2w, dy: d4 });
  keep(g2.dx, g2.dweight, g2.dbias);
  [grads.f2w, grads.f2b] = [g2.dweight, g2.dbias];
  const d3 = await bnBack(2, l1, n3, keep(await b.sigmoidBackward({ y: s3, dy: g2.dx })));
  const g1 = await b.linearBackward({ x: flat, weight: params.f1w, dy: d3 });
  keep(g1.dx, g1.dweight, g1.dbias);
  [grads.f1w, grads.f1b] = [g1.dweight, g1.dbias];
  const dp2 = keep(b.reshape(g1.dx, [N, 16, 4, 4]));
  const ds2 = keep(await b.avgPool2dBackward({ x: s2, dy: dp2 }, pool));
  const d2 = await bnBack(1, c2, n2, keep(await b.sigmoidBackward({ y: s2, dy: ds2 })));
  const gc2 = await b.conv2dBackward({ x: p1, weight: params.c2w, dy: d2 }, conv);
  keep(gc2.dx, gc2.dweight, gc2.dbias);
  [grads.c2w, grads.c2b] = [gc2.dweight, gc2.dbias];
  const ds1 = keep(await b.avgPool2dBackward({ x: s1, dy: gc2.dx }, pool));
  const d1 = await bnBack(0, c1, n1, keep(await b.sigmoidBackward({ y: s1, dy: ds1 })));
  const gc1 = await b.conv2dBackward({ x: images, weight: params.c1w, dy: d1 }, { ...conv, inputGradient: false });
  keep(gc1.dweight, gc1.dbias);
  [grads.c1w, grads.c1b] = [gc1.dweight, gc1.dbias];
  for (const [k, g] of Object.entries(grads)) {
    const next = await b.sgd({ param: params[k], grad: g }, { lr: 0.1 });
    b.dispose(params[k]);
    params[k] = next;
  }
  return [...made.filter((t) => t !== loss), loss];
}
const stepMs = await time('LeNet-BN training step, batch 256', trainStep);
console.log(`${'LeNet-BN training throughput'.padEnd(52)} ${(N / (stepMs / 1000)).toFixed(0).padStart(9)} examples/s`);
await b.close();
