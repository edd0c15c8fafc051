#!/usr/bin/env node
// The conformance gates CI runs after the unit tests: every shipped backend on every device this machine
// offers, with the training profile and the quick LeNet-BN tier. Each run writes a JUnit report to
// out/conformance/. The seed is pinned so a gate failure reproduces exactly; the suite prints it too.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../conformance/dist/cli.js', import.meta.url));
const seed = process.env.BNKIT_CONFORMANCE_SEED ?? '20261126';

const gates = [
  { name: 'ts', args: ['--backend=ts'] },
  { name: 'gpu-webgpu', args: ['--backend=gpu', '--device=webgpu'] },
  { name: 'tfjs-wasm', args: ['--backend=tfjs', '--device=wasm'] },
  { name: 'tfjs-webgpu', args: ['--backend=tfjs', '--device=webgpu'] },
];

mkdirSync(`${root}/out/conformance`, { recursive: true });
const failed = [];
for (const gate of gates) {
  const started = Date.now();
  process.stdout.write(`\n=== conformance gate: ${gate.name} ===\n`);
  const args = [cli, ...gate.args, '--profile=training', '--lenet=quick', `--seed=${seed}`, `--junit=out/conformance/${gate.name}.xml`];
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
