/*
 * Mutated fixture files given to the fixture loader of @bnkit/conformance (in-process, fast) and, for a
 * sample, to the conformance CLI. Every built-in case is changed in one place: a field deleted, of the
 * wrong type or out of range; tolerances huge, negative or infinite; shapes off by one; attributes the
 * contract forbids; values beyond float32; lenetBN steps, parameters and labels that do not fit its model;
 * the file truncated, not JSON, empty, huge, a FIFO, behind a dangling link or a link loop. Each must be
 * refused as malformed (a MalformedFixtureError or ConformanceUsageError, the CLI's exit 2). Benign
 * controls — keys reordered, whitespace, an array wrapper, an expected key dropped (absent keys are not
 * checked), a forward-only case, an expected value moved within its tolerance, linked files and folders —
 * must load.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConformanceUsageError, loadFixtureDirs, MalformedFixtureError } from '@bnkit/conformance';
import { fixtureDirs, fixtureFiles, MAX_FIXTURE_FILE_BYTES } from '@bnkit/fixtures';
import { describeError, outcomeOfExit, spawnBounded } from '../trial.mjs';

export const area = 'fixtures';
export const description = 'mutated fixture files given to the fixture loader and the conformance CLI';

const CLI = fileURLToPath(new URL('../../../conformance/dist/cli.js', import.meta.url));
/** Share of the generated trials a bounded run keeps (seeded); every file-level trial is kept. */
const BOUNDED_SHARE = 0.12;
/** Trials that always also go to the CLI, and how many others do (every 40th until this many). */
const CLI_ALWAYS = ['file:fifo-z.json', 'file:link-loop', 'file:oversized-sparse-50MB'];
const CLI_SAMPLED = { bounded: 1, full: 21 };
/** Tensors of a case that per-tensor mutations touch: lenetBN has 80, and a few show the rule as well. */
const TENSORS_PER_CASE = 3;
const GRADIENTS = ['dx', 'dgamma', 'dbeta', 'dweight', 'dbias'];

/** The built-in cases as parsed JSON, with the text they came from. */
function builtinCases() {
  return fixtureDirs.flatMap((dir) => fixtureFiles(dir).map((rel) => {
    const text = readFileSync(join(dir, rel), 'utf8');
    return { rel, text, json: JSON.parse(text) };
  }));
}

const isTensor = (v) => v !== null && typeof v === 'object' && Array.isArray(v.shape) && Array.isArray(v.data);
const size = (shape) => shape.reduce((a, d) => a * d, 1);

/** [path, tensor] of every tensor under a value: ['x'], ['firstStep', 'grad.conv1.weight'], ['batches', 0, 'x']. */
function tensorsOf(value, path = []) {
  if (isTensor(value)) return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => tensorsOf(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => tensorsOf(v, [...path, k]));
  return [];
}

function at(root, path) {
  return path.reduce((v, k) => v[k], root);
}

/** Keys in reverse order, recursively: the same JSON value. */
function reversedKeys(v) {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)]));
}

/** `count` distinct picks of `items`, seeded (all of them when fewer). */
function pick(items, count, rng) {
  const pool = [...items];
  const out = [];
  while (pool.length > 0 && out.length < count) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]);
  return out;
}

/** A placeholder that `withRawToken` replaces by a token JSON.stringify cannot write (1e999, NaN). */
const RAW = '\u0000raw';

/** The case as text, with the one value `place` sets to RAW written as `token`. */
function withRawToken(f, place, token) {
  place(f);
  return { text: JSON.stringify(f).replace(JSON.stringify(RAW), token) };
}

/**
 * The documented bound on a case's tolerance (fixtures/README.md, docs/tolerance.md): rtol + atol / M below
 * 2^-8, M the largest |expected| (of the inputs when all are 0). Dropping expected values can lower M, so a
 * control that drops some is benign only when what is left still meets the bound.
 */
function meetsToleranceBound(f) {
  const peak = (v) => tensorsOf(v).reduce((m, [, t]) => t.data.reduce((a, x) => Math.max(a, Math.abs(x)), m), 0);
  const magnitude = peak(f.expected) || peak(f.inputs);
  return f.tolerance.rtol + (f.tolerance.atol === 0 ? 0 : f.tolerance.atol / magnitude) < 2 ** -8;
}

/**
 * The mutations of one case: `[name, malformed, change]`, where change(c) edits a deep copy in place or
 * returns the file's new content (a value, or `{ text }` for raw text).
 */
function mutationsOf(c, rng) {
  const { op, inputs, expected } = c;
  const m = [];
  const bad = (name, change) => m.push([name, true, change]);
  const fine = (name, change) => m.push([name, false, change]);
  /** Drops expected values: benign while the rest meets the tolerance bound, else malformed by that rule. */
  const dropping = (name, change) => {
    const f = structuredClone(c);
    change(f);
    if (meetsToleranceBound(f)) fine(name, change);
    else bad(`${name}-breaks-tolerance-bound`, change);
  };

  for (const key of ['format', 'id', 'op', 'attrs', 'inputs', 'expected', 'tolerance']) bad(`no-${key}`, (f) => { delete f[key]; });
  bad('format-2', (f) => { f.format = 'bnkit-fixture/2'; });
  bad('id-number', (f) => { f.id = 7; });
  bad('id-spaces', (f) => { f.id = 'a case with spaces'; });
  bad('op-unknown', (f) => { f.op = 'layerNorm'; });
  bad('attrs-array', (f) => { f.attrs = []; });
  bad('inputs-string', (f) => { f.inputs = 'x'; });
  bad('expected-empty', (f) => { f.expected = {}; });
  bad('extra-top-level-key', (f) => { f.notes = 'hi'; });
  bad('tolerance-string', (f) => { f.tolerance = 'tight'; });
  bad('tolerance-empty', (f) => { f.tolerance = {}; });
  bad('atol-1e300-garbage-expected', (f) => {
    f.tolerance.atol = 1e300;
    for (const [, t] of tensorsOf(f.expected)) t.data = t.data.map((_, i) => (i % 7) - 3);
  });
  bad('rtol-1', (f) => { f.tolerance.rtol = 1; });
  bad('rtol-huge', (f) => { f.tolerance.rtol = 1e12; });
  bad('rtol-negative', (f) => { f.tolerance.rtol = -1e-4; });
  bad('atol-negative', (f) => { f.tolerance.atol = -1; });
  bad('atol-string', (f) => { f.tolerance.atol = '1e-4'; });
  bad('atol-infinite', (f) => withRawToken(f, (g) => { g.tolerance.atol = RAW; }, '1e999'));
  bad('rtol-NaN-text', (f) => withRawToken(f, (g) => { g.tolerance.rtol = RAW; }, 'NaN'));
  bad('tolerance-extra-key', (f) => { f.tolerance.mode = 'relative'; });

  // Inputs: required ones deleted (dy too when a gradient is expected), shapes off by one, bad values.
  const wantsGradient = GRADIENTS.some((g) => expected[g] !== undefined) || op === 'lenetBN';
  for (const name of Object.keys(inputs)) {
    if (name === 'dy' && !wantsGradient) fine('no-input-dy-unused', (f) => { delete f.inputs.dy; });
    else bad(`no-input-${name}`, (f) => { delete f.inputs[name]; });
  }
  const inputTensors = pick(tensorsOf(inputs), TENSORS_PER_CASE, rng);
  const expectedTensors = pick(tensorsOf(expected), TENSORS_PER_CASE, rng);
  for (const [role, root, picked] of [['inputs', 'inputs', inputTensors], ['expected', 'expected', expectedTensors]]) {
    for (const [path, t] of picked) {
      const name = `${role}.${path.join('.')}`;
      const tensor = (f) => at(f[root], path);
      if (t.shape.length > 0) {
        bad(`${name}-dim0-plus-1`, (f) => {
          const x = tensor(f);
          x.shape[0] += 1;
          x.data.push(...new Array(size(x.shape) - x.data.length).fill(0.25));
        });
        if (t.shape[0] > 1) {
          bad(`${name}-dim0-minus-1`, (f) => {
            const x = tensor(f);
            x.shape[0] -= 1;
            x.data.length = size(x.shape);
          });
        }
        bad(`${name}-extra-axis`, (f) => { tensor(f).shape.push(1); tensor(f).shape.push(2); tensor(f).data.push(...tensor(f).data); });
      }
      bad(`${name}-short-data`, (f) => { tensor(f).data.pop(); });
      bad(`${name}-string-value`, (f) => { tensor(f).data[0] = String(tensor(f).data[0]); });
      bad(`${name}-null-value`, (f) => { tensor(f).data[0] = null; });
      bad(`${name}-beyond-float32`, (f) => { tensor(f).data[0] = 1e39; });
      bad(`${name}-shape-negative`, (f) => { tensor(f).shape[0] = -1; });
      bad(`${name}-extra-key`, (f) => { tensor(f).dtype = 'float32'; });
    }
  }

  // Expected keys: dropping one is benign (absent keys are not checked) as long as one remains.
  const expectedKeys = Object.keys(expected);
  for (const key of pick(expectedKeys, TENSORS_PER_CASE, rng)) {
    if (expectedKeys.length > 1) dropping(`drop-expected-${key}`, (f) => { delete f.expected[key]; });
  }
  if (op !== 'lenetBN' && op !== 'softmaxCrossEntropy' && expectedKeys.some((k) => !GRADIENTS.includes(k))) {
    dropping('forward-only', (f) => {
      delete f.inputs.dy;
      for (const g of GRADIENTS) delete f.expected[g];
    });
  }
  bad('expected-unknown-key', (f) => { f.expected.z = f.expected[expectedKeys[0]]; });
  for (const [path] of expectedTensors.slice(0, 1)) {
    fine(`move-expected-${path.join('.')}-within-tolerance`, (f) => {
      const t = at(f.expected, path);
      const i = t.data.findIndex((v) => v !== 0);
      if (i >= 0) t.data[i] += f.tolerance.rtol * Math.abs(t.data[i]) * 0.5;
    });
  }

  // Benign forms of the same case.
  fine('keys-reversed', (f) => reversedKeys(f));
  fine('pretty-printed', (f) => ({ text: JSON.stringify(f, null, 2) }));
  fine('in-an-array', (f) => [f]);
  fine('other-id', (f) => { f.id = `${f.id}-copy`; });
  fine('with-description', (f) => { f.description = 'a case, described'; delete f.reference; });

  // The op's attributes.
  const attrsBad = {
    batchNorm: [
      ['axis-rank', (f) => { f.attrs.axis = f.inputs.x.shape.length; }],
      ['axis-below-minus-rank', (f) => { f.attrs.axis = -f.inputs.x.shape.length - 1; }],
      ['axis-fraction', (f) => { f.attrs.axis = 0.5; }],
      ['eps-0', (f) => { f.attrs.eps = 0; }],
      ['eps-negative', (f) => { f.attrs.eps = -1e-5; }],
      ['momentum-2', (f) => { f.attrs.momentum = 2; }],
      ['runningVar-sample', (f) => { f.attrs.runningVar = 'sample'; }],
      ['training-string', (f) => { f.attrs.training = 'yes'; }],
      ['no-axis', (f) => { delete f.attrs.axis; }],
      ['gamma-one-short', (f) => { f.inputs.gamma.shape[0] -= 1; f.inputs.gamma.data.pop(); }],
      [c.attrs.training ? 'degenerate-training' : 'eval-running-changed', (f) => {
        if (f.attrs.training) {
          // One sample, every spatial extent 1: one value per channel, which training cannot normalise.
          const x = f.inputs.x;
          const axis = f.attrs.axis < 0 ? f.attrs.axis + x.shape.length : f.attrs.axis;
          x.shape = x.shape.map((d, i) => (i === axis ? d : 1));
          x.data = x.data.slice(0, size(x.shape));
          for (const k of ['y', 'dx']) if (f.expected[k]) f.expected[k] = { shape: [...x.shape], data: x.data.map(() => 0) };
          if (f.inputs.dy) f.inputs.dy = { shape: [...x.shape], data: x.data.map(() => 1) };
        } else {
          f.expected.runningMean.data[0] += 1;
        }
      }],
    ],
    conv2d: [
      ['stride-0', (f) => { f.attrs.stride = [0, 1]; }],
      ['stride-plus-1', (f) => { f.attrs.stride = f.attrs.stride.map((s) => s + 1); }],
      ['padding-negative', (f) => { f.attrs.padding = [-1, 0]; }],
      ['padding-huge', (f) => { f.attrs.padding = [40, 40]; }],
      ['stride-one-number', (f) => { f.attrs.stride = [1]; }],
      ['layout-nhwc', (f) => { f.attrs.layout = 'NHWC'; }],
    ],
    linear: [
      ['weightLayout-in-out', (f) => { f.attrs.weightLayout = '[in, out]'; }],
      ['weight-transposed', (f) => { f.inputs.weight.shape.reverse(); }],
    ],
    avgPool2d: [
      ['kernel-0', (f) => { f.attrs.kernel = [0, 2]; }],
      ['padding-over-half-kernel', (f) => { f.attrs.padding = [f.attrs.kernel[0], 0]; }],
      ['kernel-bigger-than-input', (f) => { f.attrs.kernel = [99, 99]; f.attrs.padding = [0, 0]; }],
      ['no-kernel', (f) => { delete f.attrs.kernel; }],
    ],
    relu: [['attrs-alpha', (f) => { f.attrs.alpha = 0.1; }], ['dy-transposed', (f) => { f.inputs.dy.shape.reverse(); }]],
    softmaxCrossEntropy: [
      ['label-K', (f) => { f.inputs.labels.data[0] = f.inputs.logits.shape[1]; }],
      ['label-negative', (f) => { f.inputs.labels.data[0] = -1; }],
      ['label-fraction', (f) => { f.inputs.labels.data[0] = 1.5; }],
      ['reduction-sum', (f) => { f.attrs.reduction = 'sum'; }],
      ['loss-shape-scalar', (f) => { f.expected.loss.shape = []; }],
    ],
    lenetBN: [
      ['empty-firstStep', (f) => { f.expected.firstStep = {}; }],
      ['empty-trajectory', (f) => { f.expected.trajectory = {}; }],
      ['steps-beyond-batches', (f) => { f.attrs.steps = f.inputs.batches.length + 1; }],
      ['steps-0', (f) => { f.attrs.steps = 0; }],
      ['lr-infinite', (f) => withRawToken(f, (g) => { g.attrs.lr = RAW; }, '1e999')],
      ['lr-string', (f) => { f.attrs.lr = 'fast'; }],
      ['param-transposed', (f) => { f.inputs.params['fc1.weight'].shape.reverse(); }],
      ['param-missing', (f) => { delete f.inputs.params['conv2.bias']; }],
      ['param-extra', (f) => { f.inputs.params['fc4.weight'] = { shape: [1], data: [0] }; }],
      ['buffer-missing', (f) => { delete f.inputs.buffers['bn4.runningMean']; }],
      ['no-batches', (f) => { f.inputs.batches = []; }],
      ['batch-of-one', (f) => { const b = f.inputs.batches[0]; b.x.shape[0] = 1; b.x.data.length = 784; b.labels = { shape: [1], data: [b.labels.data[0]] }; }],
      ['label-10', (f) => { f.inputs.batches[0].labels.data[0] = 10; }],
      ['image-27x27', (f) => { const x = f.inputs.batches[0].x; x.shape = [x.shape[0], 1, 27, 27]; x.data.length = size(x.shape); }],
      ['grad-of-no-parameter', (f) => { f.expected.firstStep['grad.conv9.weight'] = f.expected.firstStep['grad.conv1.weight']; }],
      ['losses-one-short', (f) => { const l = f.expected.trajectory.losses; l.shape = [l.shape[0] - 1]; l.data.pop(); }],
      ['optimizer-adam', (f) => { f.attrs.optimizer = 'Adam'; }],
    ],
  };
  attrsBad.maxPool2d = attrsBad.avgPool2d;
  attrsBad.sigmoid = attrsBad.relu;
  for (const [name, change] of attrsBad[op] ?? []) bad(name, change);
  return m;
}

/** Loads `dir` in-process: refused (a typed error naming what was wrong), accepted, or crash. */
function loadOutcome(dir) {
  try {
    const n = loadFixtureDirs([dir]).length;
    return { outcome: 'accepted', detail: `${n} case${n === 1 ? '' : 's'} loaded` };
  } catch (e) {
    const typed = e instanceof MalformedFixtureError || e instanceof ConformanceUsageError;
    return { outcome: typed ? 'refused' : 'crash', detail: describeError(e) };
  }
}

/** Runs the CLI on `dir`, only the cases of `id` (all the golden fixtures when undefined), bounded. */
async function cliOutcome(dir, id) {
  const filter = id === undefined ? 'golden-fixtures' : id;
  const r = await spawnBounded(CLI, ['--backend=ts', '--fixtures', dir, '--filter', filter, '--seed', '1', '--num-runs', '1'], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    timeoutMs: 60_000,
  });
  return outcomeOfExit(r);
}

/** Every trial, in a fixed order; the rng decides the bounded sample and which tensors are mutated. */
function* allTrials({ tmp, rng }) {
  let n = 0;
  /** A fresh fixture directory, `<trial>/fixtures`, with room beside it for what links point to. */
  const fresh = () => {
    const dir = join(tmp, `t${n++}`, 'fixtures');
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  for (const base of builtinCases()) {
    const cases = Array.isArray(base.json) ? base.json : [base.json];
    for (const c of cases) {
      for (const [name, malformed, change] of mutationsOf(c, rng)) {
        yield {
          id: `${c.id}:${name}`,
          malformed,
          write() {
            // Its own id, so that the CLI, which also loads the built-in cases, does not see it twice.
            const copy = { ...structuredClone(c), id: `campaign/${c.id}` };
            const changed = change(copy);
            const content = changed === undefined ? copy : changed;
            const dir = fresh();
            writeFileSync(join(dir, 'case.json'), typeof content?.text === 'string' ? content.text : JSON.stringify(content));
            return { dir, caseId: malformed ? undefined : (content.id ?? copy.id) };
          },
        };
      }
    }
    // Whole-file damage, on the file's own text.
    const fileTrial = (name, malformed, text) => ({
      id: `${base.rel}:${name}`,
      malformed,
      write() {
        const dir = fresh();
        writeFileSync(join(dir, 'case.json'), text);
        return { dir };
      },
    });
    yield fileTrial('truncated-half', true, base.text.slice(0, Math.floor(base.text.length / 2)));
    yield fileTrial('truncated-last-byte', true, base.text.trimEnd().slice(0, -1));
    yield fileTrial('trailing-garbage', true, `${base.text}}`);
  }
  const file = (name, malformed, text) => ({
    id: `file:${name}`,
    malformed,
    write() {
      const dir = fresh();
      writeFileSync(join(dir, 'case.json'), text);
      return { dir };
    },
  });
  yield file('empty', true, '');
  yield file('null', true, 'null');
  yield file('number', true, '42');
  yield file('empty-array', true, '[]');
  yield file('array-of-arrays', true, '[[1, 2], [3]]');
  yield file('not-json', true, 'format: bnkit-fixture/1');
  yield file('array-of-200k-numbers', true, JSON.stringify(Array.from({ length: 200_000 }, (_, i) => i / 4)));
  yield file('array-of-20k-objects', true, JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: `x${i}`, op: 'relu' }))));
  const special = (name, malformed, make) => ({ id: `file:${name}`, malformed, write: () => ({ dir: make(fresh()) }) });
  yield special('oversized-sparse-50MB', true, (dir) => {
    writeFileSync(join(dir, 'big.json'), '');
    truncateSync(join(dir, 'big.json'), 50 * 1024 * 1024);
    return dir;
  });
  yield special('just-over-the-limit', true, (dir) => {
    writeFileSync(join(dir, 'big.json'), '');
    truncateSync(join(dir, 'big.json'), MAX_FIXTURE_FILE_BYTES + 1);
    return dir;
  });
  yield special('fifo-z.json', true, (dir) => {
    execFileSync('mkfifo', [join(dir, 'z.json')]);
    return dir;
  });
  yield special('dangling-link', true, (dir) => {
    symlinkSync(join(dir, 'nowhere.json'), join(dir, 'gone.json'));
    return dir;
  });
  yield special('link-loop', true, (dir) => {
    mkdirSync(join(dir, 'sub'));
    symlinkSync(dir, join(dir, 'sub', 'back'));
    return dir;
  });
  yield special('link-loop-to-itself', true, (dir) => {
    symlinkSync(join(dir, 'self'), join(dir, 'self'));
    mkdirSync(join(dir, 'ok'));
    symlinkSync(join(dir, 'ok'), join(dir, 'ok', 'again'));
    return dir;
  });
  const relu = builtinCases().find((b) => b.rel === 'relu/4x10.json');
  const sample = { text: JSON.stringify({ ...relu.json, id: 'campaign/relu' }) };
  yield special('duplicate-ids', true, (dir) => {
    writeFileSync(join(dir, 'a.json'), sample.text);
    writeFileSync(join(dir, 'b.json'), sample.text);
    return dir;
  });
  yield special('linked-sub-folder', false, (dir) => {
    const store = join(dir, '..', 'store');
    mkdirSync(store);
    writeFileSync(join(store, 'case.json'), sample.text);
    symlinkSync(store, join(dir, 'cases'));
    return dir;
  });
  yield special('linked-file', false, (dir) => {
    writeFileSync(join(dir, '..', 'case.json'), sample.text);
    symlinkSync(join(dir, '..', 'case.json'), join(dir, 'case.json'));
    return dir;
  });
  yield special('directory-named-x.json', false, (dir) => {
    mkdirSync(join(dir, 'x.json'));
    writeFileSync(join(dir, 'x.json', 'case.json'), sample.text);
    return dir;
  });
}

export async function* trials({ full, rng, tmp }) {
  let sampledLeft = full ? CLI_SAMPLED.full : CLI_SAMPLED.bounded;
  let index = 0;
  for (const t of allTrials({ tmp, rng })) {
    index++;
    const kept = full || rng() < BOUNDED_SHARE || t.id.startsWith('file:');
    if (!kept) continue;
    const sampled = sampledLeft > 0 && index % 40 === 0;
    if (sampled) sampledLeft--;
    const viaCli = sampled || CLI_ALWAYS.includes(t.id);
    yield {
      id: viaCli ? `${t.id} (cli)` : t.id,
      malformed: t.malformed,
      ...(viaCli ? { timeoutMs: 90_000 } : {}),
      async run() {
        let written;
        try {
          written = t.write();
        } catch (e) {
          return { outcome: 'crash', detail: `could not build the trial (a bug in the area): ${describeError(e)}` };
        }
        try {
          return viaCli ? await cliOutcome(written.dir, written.caseId) : loadOutcome(written.dir);
        } finally {
          // Trials of the 2.7 MB lenetBN case add up: each trial's files go when it ends.
          rmSync(join(written.dir, '..'), { recursive: true, force: true });
        }
      },
    };
  }
}
