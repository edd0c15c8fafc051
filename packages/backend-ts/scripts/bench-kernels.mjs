#!/usr/bin/env node
// Times each LeNet-BN layer of @bnkit/backend-ts (forward, backward) at batch 256, single-threaded and
// threaded, and prints GFLOP/s. Run after `pnpm --filter @bnkit/backend-ts build`:
//   node packages/backend-ts/scripts/bench-kernels.mjs [--threads=2] [--reps=20] [--batch=256]
// Each figure is the best of --reps calls (after 3 warm-up calls): on a shared machine the minimum is the
// least disturbed by other processes. The load average is printed so a disturbed run can be recognised.
import { availableParallelism, loadavg } from 'node:os';
import { createBackend } from '../dist/index.js';

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const N = arg('batch', 256);
const REPS = arg('reps', 20);
const THREADS = arg('threads', Math.min(availableParallelism(), 4));

let seed = 1;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const data = (shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, rand);

const conv = (name, cin, hw, cout, firstLayer) => {
  const oh = hw - 4;
  const macs = N * cout * oh * oh * cin * 25;
  return {
    name: `${name} conv ${cin}->${cout} k5 ${hw}x${hw}`,
    flops: { forward: 2 * macs, backward: 2 * macs * (firstLayer ? 1 : 2) },
    setup: (b) => ({
      x: b.upload(data([N, cin, hw, hw]), [N, cin, hw, hw]),
      weight: b.upload(data([cout, cin, 5, 5]), [cout, cin, 5, 5]),
      bias: b.upload(data([cout]), [cout]),
      dy: b.upload(data([N, cout, oh, oh]), [N, cout, oh, oh]),
    }),
    forward: (b, t) => b.conv2d(t, { stride: [1, 1], padding: [0, 0] }),
    backward: (b, t) => b.conv2dBackward(t, { stride: [1, 1], padding: [0, 0], inputGradient: !firstLayer }),
  };
};
const linear = (name, fin, fout) => ({
  name: `${name} linear ${fin}->${fout}`,
  flops: { forward: 2 * N * fin * fout, backward: 4 * N * fin * fout },
  setup: (b) => ({
    x: b.upload(data([N, fin]), [N, fin]),
    weight: b.upload(data([fout, fin]), [fout, fin]),
    bias: b.upload(data([fout]), [fout]),
    dy: b.upload(data([N, fout]), [N, fout]),
  }),
  forward: (b, t) => b.linear(t),
  backward: (b, t) => b.linearBackward(t),
});
const LAYERS = [conv('conv1', 1, 28, 6, true), conv('conv2', 6, 12, 16, false), linear('fc1', 256, 120), linear('fc2', 120, 84), linear('fc3', 84, 10)];

function disposeAll(b, result) {
  if (result && typeof result === 'object' && 'shape' in result) b.dispose(result);
  else for (const v of Object.values(result)) b.dispose(v);
}

/** Best wall time and best process CPU time (all threads) of REPS calls, in ms. */
async function best(b, fn) {
  for (let i = 0; i < 3; i++) disposeAll(b, await fn());
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < REPS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await fn();
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
    disposeAll(b, r);
  }
  return { wall, cpu };
}

async function measure(threads) {
  const b = await createBackend({ threads });
  const rows = [];
  for (const layer of LAYERS) {
    const t = layer.setup(b);
    const fwd = await best(b, () => layer.forward(b, t));
    const bwd = await best(b, () => layer.backward(b, t));
    rows.push({ fwd, bwd });
  }
  await b.close();
  return rows;
}

const single = await measure(1);
const multi = await measure(THREADS);
const gf = (flops, ms) => (flops / ms / 1e6).toFixed(2);
console.log(`@bnkit/backend-ts LeNet-BN layers, batch ${N}, best of ${REPS}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('GFLOP/s from wall time. "cpu": GFLOP per CPU-second of the 1-thread run, which other processes disturb less.');
console.log('"cpu x": process CPU time (all threads) of the threaded run over the 1-thread run; near 1 means splitting costs');
console.log('little, and on idle cores the wall-time speedup approaches the thread count.');
console.log(`${'layer'.padEnd(32)} ${'pass'.padEnd(8)} ${'1 thread'.padStart(20)} ${'cpu'.padStart(7)} ${`${THREADS} threads`.padStart(20)} speedup  cpu x`);
let total1 = 0, totalCpu = 0, totalT = 0, totalTCpu = 0, flopsAll = 0;
LAYERS.forEach((layer, i) => {
  for (const pass of ['forward', 'backward']) {
    const key = pass === 'forward' ? 'fwd' : 'bwd';
    const a = single[i][key], c = multi[i][key], f = layer.flops[pass];
    total1 += a.wall; totalCpu += a.cpu; totalT += c.wall; totalTCpu += c.cpu; flopsAll += f;
    console.log(`${layer.name.padEnd(32)} ${pass.padEnd(8)} ${`${a.wall.toFixed(2)} ms ${gf(f, a.wall)} GF/s`.padStart(20)} ${gf(f, a.cpu).padStart(7)} ${`${c.wall.toFixed(2)} ms ${gf(f, c.wall)} GF/s`.padStart(20)} ${`${(a.wall / c.wall).toFixed(2)}x`.padStart(7)} ${(c.cpu / a.cpu).toFixed(2).padStart(6)}`);
  }
});
console.log(`${'all conv + linear'.padEnd(32)} ${''.padEnd(8)} ${`${total1.toFixed(1)} ms ${gf(flopsAll, total1)} GF/s`.padStart(20)} ${gf(flopsAll, totalCpu).padStart(7)} ${`${totalT.toFixed(1)} ms ${gf(flopsAll, totalT)} GF/s`.padStart(20)} ${`${(total1 / totalT).toFixed(2)}x`.padStart(7)} ${(totalTCpu / totalCpu).toFixed(2).padStart(6)}`);
console.log(`conv + linear layers alone bound training at ${(N / total1 * 1000).toFixed(0)} / ${(N / totalT * 1000).toFixed(0)} examples/s (1 / ${THREADS} threads)`);
