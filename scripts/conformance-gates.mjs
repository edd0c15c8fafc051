#!/usr/bin/env node
// The conformance gates CI runs after the unit tests: every shipped backend on every device this machine
// offers, with the training profile and the quick LeNet-BN tier. Each run writes a JUnit report to
// out/conformance/. Seed and run count are both pinned, so a gate tries the same inputs and gives the same
// verdict on any machine at any load, and a failure reproduces exactly. Software WebGPU (lavapipe) compiles a
// kernel per new shape, so its gates try fewer inputs than the CPU ones.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../conformance/dist/cli.js', import.meta.url));
const seed = process.env.BNKIT_CONFORMANCE_SEED ?? '20261126';

const gates = [
  { name: 'ts', args: ['--backend=ts'], numRuns: 1000 },
  { name: 'gpu-webgpu', args: ['--backend=gpu', '--device=webgpu'], numRuns: 25 },
  { name: 'tfjs-wasm', args: ['--backend=tfjs', '--device=wasm'], numRuns: 200 },
  { name: 'tfjs-webgpu', args: ['--backend=tfjs', '--device=webgpu'], numRuns: 25 },
];

mkdirSync(`${root}/out/conformance`, { recursive: true });
const failed = [];
for (const gate of gates) {
  const started = Date.now();
  process.stdout.write(`\n=== conformance gate: ${gate.name} ===\n`);
  const args = [cli, ...gate.args, '--profile=training', '--lenet=quick', `--seed=${seed}`, `--num-runs=${gate.numRuns}`, `--junit=out/conformance/${gate.name}.xml`];
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`=== ${gate.name}: exit ${run.status ?? run.signal} in ${seconds} s ===\n`);
  if (run.status !== 0) failed.push(gate.name);
}
if (failed.length > 0) {
  process.stderr.write(`\nconformance gates failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(`\nall ${gates.length} conformance gates passed\n`);
