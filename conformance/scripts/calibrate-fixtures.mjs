#!/usr/bin/env node
// Sets the tolerance of every built-in fixture from the float32 yardstick (test/yardstick/): each case's
// atol becomes the smallest 1-2-5 step at which both yardstick variants (saved mean as given, and refined)
// use at most a quarter of it, never below the case's floor (its current atol, or --floor-atol). rtol is
// kept. Prints, per case, the yardstick's share of the final tolerance.
//
//   node scripts/calibrate-fixtures.mjs            report only
//   node scripts/calibrate-fixtures.mjs --write    also rewrite the tolerance fields in place
//
// Run `pnpm build` first: it uses the built suite.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixtureDirs, readFixtures, worstViolation } from '@bnkit/fixtures';
import { expectedTensors } from '../dist/checks/golden-fixtures.js';
import { runnerFor } from '../dist/fixtures/ops/index.js';
import { withScope } from '../dist/scope.js';
import createYardstick from '../test/yardstick/float32-backend.js';

/** The yardstick may use this share of a fixture's tolerance: half is the bar, a quarter leaves room for other careful float32 orders. */
const SHARE = 0.25;

const { values } = parseArgs({ options: { write: { type: 'boolean' } } });

/** The smallest value of 1, 2, 5 × 10^k that is >= v. */
function ladder(v) {
  if (v <= 0) return 0;
  const e = Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * 10 ** e >= v * (1 - 1e-12)) return Number((m * 10 ** e).toPrecision(1));
  return 10 ** (e + 1);
}

/** atol at which every element of every expected tensor of the case passes with ratio <= SHARE. */
function neededAtol(fixture, outputs, rtol) {
  let need = 0;
  for (const [path, want] of expectedTensors(fixture.expected)) {
    const got = outputs[path].data;
    for (let i = 0; i < want.data.length; i++) need = Math.max(need, Math.abs(got[i] - want.data[i]) / SHARE - rtol * Math.abs(want.data[i]));
  }
  return need;
}

/** The worst share of `tol` any expected tensor of the case uses (the fixtures' own rule). */
function share(fixture, outputs, tol) {
  return Math.max(...expectedTensors(fixture.expected).map(([path, want]) => worstViolation(outputs[path].data, want.data, tol).ratio));
}

const variants = [await createYardstick(), await createYardstick({ refineMean: true })];
const rows = [];
for (const dir of fixtureDirs) {
  for (const fixture of readFixtures([dir])) {
    const outputs = [];
    for (const backend of variants) outputs.push(await withScope(backend, (scope) => runnerFor(fixture.op).run(scope, fixture)));
    const { rtol, atol } = fixture.tolerance;
    const atolNew = Math.max(atol, ladder(Math.max(...outputs.map((o) => neededAtol(fixture, o, rtol)))));
    const tol = { rtol, atol: atolNew };
    rows.push([fixture.id, `${rtol} / ${atol}`, `${rtol} / ${atolNew}`, ...outputs.map((o) => `${(share(fixture, o, tol) * 100).toFixed(1)}%`)]);
    if (values.write && atolNew !== atol) {
      const file = join(dir, fixture.file);
      const text = readFileSync(file, 'utf8');
      const field = /"tolerance":\s*\{[^}]*\}/;
      if (!field.test(text)) throw new Error(`${file}: no tolerance field`);
      writeFileSync(file, text.replace(field, `"tolerance":${JSON.stringify(tol)}`));
    }
  }
}
for (const b of variants) await b.close();

const header = ['case', 'rtol / atol before', 'rtol / atol after', 'yardstick share', 'refining share'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join('  ')}\n`);
