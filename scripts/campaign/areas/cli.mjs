/*
 * Malformed command lines for the four bnkit CLIs (bnkit-conformance, bnkit-train, bnkit-bench,
 * bnkit-experiment): unknown flags and typos of real ones, missing and empty values, numbers out of range or
 * not numbers, bad enums, devices and backends, unwritable or impossible outputs, conflicting flags. Each
 * must exit 2 with a message before any work (a line still running after the bound started work: a hang).
 *
 * Lines whose fault is in a flag's value or in the flags' combination are first given to the CLI's parser
 * in-process (`parse/...` trials, cheap); when the parser takes one, the CLI is spawned on it to see what
 * the program does (the trial says so). Every line is also spawned (`spawn/...`): all in the full campaign,
 * a seeded sample in a bounded one. Benign controls (--help, a valid line through the parser) must be accepted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError, outcomeOfExit, spawnBounded } from '../trial.mjs';

export const area = 'cli';
export const description = 'malformed command lines for bnkit-conformance, bnkit-train, bnkit-bench and bnkit-experiment';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = (path) => join(root, path);

/** Spawns in a bounded run: about this many, drawn with the seed. */
const BOUNDED_SPAWNS = 40;
/** The bound of one spawned CLI; a line that passes validation starts work and runs into it. */
const SPAWN_TIMEOUT_MS = 25_000;

/*
 * Each CLI: its file, its parser (dist module and export), the arguments every line starts from (a valid
 * line without them would be refused for the missing flag instead of the one under test), and its flags by
 * kind. `int` flags carry their allowed range, `enum` flags their values.
 */
const CLIS = {
  conformance: {
    file: 'conformance/dist/cli.js', parser: ['conformance/dist/cli-options.js', 'parseCli'],
    base: ['--backend=ts'], valid: ['--backend=ts', '--seed=7', '--num-runs=3', '--profile=bn', '--filter=momentum'],
    flags: {
      backend: { kind: 'string' }, fixtures: { kind: 'string' }, filter: { kind: 'string' }, device: { kind: 'string' },
      json: { kind: 'file' }, junit: { kind: 'file' },
      seed: { kind: 'int', min: -(2 ** 31), max: 2 ** 32 - 1 }, 'num-runs': { kind: 'int', min: 1, max: 100_000 },
      'time-budget': { kind: 'int', min: 1, max: 24 * 3600 * 1000 }, path: { kind: 'path' },
      profile: { kind: 'enum', values: ['bn', 'training'] }, lenet: { kind: 'enum', values: ['off', 'quick', 'full'] },
    },
  },
  train: {
    file: 'packages/cli/dist/train.js', parser: ['packages/cli/dist/train/args.js', 'parseTrainArgs'],
    base: [], valid: ['--epochs=1', '--batch-size=2', '--lr=0.5', '--seed=3', '--train-per-class=1'],
    flags: {
      backend: { kind: 'string' }, device: { kind: 'string' }, 'data-dir': { kind: 'string' }, init: { kind: 'string' },
      out: { kind: 'dir' }, checkpoint: { kind: 'file' }, export: { kind: 'file' },
      threads: { kind: 'int', min: 1, max: 256 }, epochs: { kind: 'int', min: 1, max: 1_000_000 },
      'batch-size': { kind: 'int', min: 2, max: 1_000_000 }, seed: { kind: 'int', min: -(2 ** 31), max: 2 ** 32 - 1 },
      'train-per-class': { kind: 'int', min: 1, max: 1_000_000_000 }, 'test-per-class': { kind: 'int', min: 1, max: 1_000_000_000 },
      lr: { kind: 'positive' }, model: { kind: 'enum', values: ['lenet', 'lenet-bn'] },
      resume: { kind: 'boolean' }, overwrite: { kind: 'boolean' },
    },
  },
  experiment: {
    file: 'packages/cli/dist/experiment.js', parser: ['packages/cli/dist/experiment/args.js', 'parseExperimentArgs'],
    base: [], valid: ['--quick', '--lrs=0.1,1', '--epochs=2', '--seed=1'],
    flags: {
      backend: { kind: 'string' }, device: { kind: 'string' }, 'data-dir': { kind: 'string' }, out: { kind: 'dir' },
      threads: { kind: 'int', min: 1, max: 256 }, epochs: { kind: 'int', min: 1, max: 1_000_000 },
      'batch-size': { kind: 'int', min: 2, max: 1_000_000 }, seed: { kind: 'int', min: -(2 ** 31), max: 2 ** 32 - 1 },
      'train-per-class': { kind: 'int', min: 1, max: 1_000_000_000 }, 'test-per-class': { kind: 'int', min: 1, max: 1_000_000_000 },
      lrs: { kind: 'list' }, 'ablation-lr': { kind: 'positive' }, quick: { kind: 'boolean' },
    },
  },
  bench: {
    file: 'packages/cli/dist/bench.js', parser: ['packages/cli/dist/bench/args.js', 'parseBenchArgs'],
    base: [], valid: ['--backends=ts,gpu:cpu', '--steps=3', '--quick'],
    flags: {
      backends: { kind: 'backends' }, steps: { kind: 'int', min: 1, max: 10_000 }, json: { kind: 'file' }, quick: { kind: 'boolean' },
    },
  },
};

/** Values that are not integers at all, whatever the range. */
const NOT_INTEGERS = ['', ' ', 'abc', 'NaN', 'Infinity', '-Infinity', '1.5', '1e3', '0x10', '1_000', '+5', ' 7', '7 ', '1e30', '99999999999999999999', '--5', '٣'];
const NOT_POSITIVE = ['', ' ', 'abc', 'NaN', 'Infinity', '0', '-1', '-0', '1e400', '0x', '1,2'];

/** Typos of a flag name: a letter dropped, two swapped, one doubled, a wrong case, an underscore. */
function typos(name) {
  const out = new Set();
  if (name.length > 2) out.add(name.slice(1));
  out.add(`${name}s`);
  if (name.length > 3) out.add(name.slice(0, 1) + name.slice(2, 3) + name.slice(1, 2) + name.slice(3));
  out.add(name.toUpperCase());
  if (name.includes('-')) out.add(name.replace(/-/g, '_'));
  out.add(name + name.at(-1));
  out.delete(name);
  return [...out];
}

/**
 * Every malformed line of one CLI: `{ id, args, parse }`, where `parse` says the fault is the parser's to find
 * (a flag, a value, a combination) rather than the disk's or the backend's.
 */
function malformedLines(cli, { tmp, aFile, aDir }) {
  const lines = [];
  const add = (id, args, parse = true) => lines.push({ id, args: [...cli.base.filter((b) => !args.some((a) => a.split('=')[0] === b.split('=')[0])), ...args], parse });
  add('unknown-flag', ['--bogus']);
  add('unknown-flag-with-value', ['--bogus=1']);
  add('short-unknown', ['-x']);
  add('positional', ['stray']);
  add('double-dash-positional', ['--', 'stray']);
  add('triple-dash', ['---backend=ts']);
  add('help-with-value', ['--help=yes']);
  for (const [name, flag] of Object.entries(cli.flags)) {
    for (const typo of typos(name)) add(`typo-${name}-${typo}`, [`--${typo}=1`]);
    if (flag.kind === 'boolean') {
      add(`${name}-with-value`, [`--${name}=yes`]);
      continue;
    }
    add(`${name}-missing-value`, [`--${name}`]);
    add(`${name}-empty`, [`--${name}=`]);
    add(`${name}-blank`, [`--${name}=   `]);
    if (flag.kind === 'int') {
      for (const v of NOT_INTEGERS) add(`${name}-${JSON.stringify(v)}`, [`--${name}=${v}`]);
      add(`${name}-below-min`, [`--${name}=${flag.min - 1}`]);
      add(`${name}-above-max`, [`--${name}=${flag.max + 1}`]);
      add(`${name}-negative`, [`--${name}=-${Math.max(1, Math.abs(flag.max))}0`]);
    }
    if (flag.kind === 'positive') for (const v of NOT_POSITIVE) add(`${name}-${JSON.stringify(v)}`, [`--${name}=${v}`]);
    if (flag.kind === 'enum') {
      for (const v of ['bogus', flag.values[0].toUpperCase(), ` ${flag.values[0]}`, flag.values.join(','), '1']) add(`${name}-${JSON.stringify(v)}`, [`--${name}=${v}`]);
    }
    if (flag.kind === 'list') {
      for (const v of ['0.1,0.1', '1,,2', 'abc', '0', '-1', '1;2', ',']) add(`${name}-${JSON.stringify(v)}`, [`--${name}=${v}`]);
    }
    if (flag.kind === 'backends') {
      for (const v of ['foo', 'ts:cpu', 'gpu:bogus', 'tfjs:cuda', ',', 'ts,foo', 'gpu:webgpu:x', ':']) add(`${name}-${JSON.stringify(v)}`, [`--${name}=${v}`]);
    }
    if (flag.kind === 'path') {
      for (const v of ['garbage', '-1', '999999', '1:a', '0::1', ':0', '1.5']) add(`${name}-${JSON.stringify(v)}`, ['--seed=1', `--${name}=${v}`]);
      add(`${name}-without-seed`, [`--${name}=0`]);
      add(`${name}-beyond-num-runs`, ['--seed=1', '--num-runs=3', `--${name}=3`]);
    }
    // Places to write that cannot be written: checked before any work, a usage error (exit 2).
    if (flag.kind === 'file' || flag.kind === 'dir') {
      add(`${name}-in-proc`, [`--${name}=/proc/bnkit-campaign/x`], false);
      add(`${name}-under-a-file`, [`--${name}=${join(aFile, 'sub', 'x')}`], false);
      if (flag.kind === 'file') add(`${name}-is-a-directory`, [`--${name}=${aDir}`], false);
      if (flag.kind === 'dir') add(`${name}-is-a-file`, [`--${name}=${aFile}`], false);
    }
  }
  // Names the program resolves: backends, devices, folders.
  if ('backend' in cli.flags) {
    add('backend-garbage', ['--backend=garbage'], false);
    add('backend-dash', ['--backend=-1'], false);
    add('backend-missing-file', [`--backend=${join(tmp, 'missing.js')}`], false);
    add('backend-not-javascript', [`--backend=${aFile}`], false);
    add('backend-directory', [`--backend=${aDir}`], false);
    add('device-bogus-gpu', ['--backend=gpu', '--device=bogus'], false);
    add('device-bogus-tfjs', ['--backend=tfjs', '--device=bogus'], false);
    add('device-on-ts', ['--backend=ts', '--device=cpu']);
  }
  if ('data-dir' in cli.flags) {
    add('data-dir-missing', [`--data-dir=${join(tmp, 'no-such-dir')}`], false);
    add('data-dir-empty-folder', [`--data-dir=${aDir}`], false);
    add('data-dir-a-file', [`--data-dir=${aFile}`], false);
  }
  if (cli === CLIS.conformance) {
    add('fixtures-missing', [`--fixtures=${join(tmp, 'no-such-dir')}`], false);
    add('fixtures-a-file', [`--fixtures=${aFile}`], false);
    add('filter-matching-nothing', ['--filter=no-check-is-called-this'], false);
    add('lenet-under-bn', ['--profile=bn', '--lenet=quick'], false);
    // Paths of the right form that name no input of the property: only a run can tell, so spawned only.
    add('path-beyond-shrink-tree', ['--seed=1', '--path=0:99', '--filter=zero-mean'], false);
    add('path-deeper-than-shrinking', ['--seed=1', `--path=0${':1'.repeat(200)}`, '--filter=zero-mean'], false);
  }
  if (cli === CLIS.train) {
    add('resume-without-checkpoint', ['--resume']);
    add('overwrite-without-checkpoint', ['--overwrite']);
    add('resume-and-overwrite', ['--resume', '--overwrite', `--checkpoint=${join(tmp, 'c.ckpt')}`]);
    add('init-and-resume', ['--resume', `--checkpoint=${join(tmp, 'c.ckpt')}`, `--init=${join(tmp, 'w.safetensors')}`]);
    add('checkpoint-not-a-checkpoint', [`--checkpoint=${aFile}`], false);
    add('resume-from-not-a-checkpoint', ['--resume', `--checkpoint=${aFile}`], false);
    add('init-missing', [`--init=${join(tmp, 'missing.safetensors')}`], false);
    add('init-not-safetensors', [`--init=${aFile}`], false);
  }
  return lines;
}

async function importParser(cli) {
  const mod = await import(dist(cli.parser[0]));
  return mod[cli.parser[1]];
}

export async function* trials({ full, rng, tmp }) {
  // Things for the lines to point at: a regular file that is no checkpoint, backend or folder, and a folder.
  const aFile = join(tmp, 'notes.txt');
  writeFileSync(aFile, 'not a checkpoint, not a module, not a folder\n');
  const aDir = join(tmp, 'a-folder');
  mkdirSync(aDir);
  const cwd = join(tmp, 'cwd');
  mkdirSync(cwd);
  const env = { BNKIT_CACHE_DIR: join(tmp, 'cache') };
  const spawnCli = (cli, args) => spawnBounded(dist(cli.file), args, { cwd, timeoutMs: SPAWN_TIMEOUT_MS, env });

  const all = Object.entries(CLIS).flatMap(([name, cli]) => malformedLines(cli, { tmp, aFile, aDir }).map((line) => ({ name, cli, ...line })));
  const spawnShare = full ? 1 : BOUNDED_SPAWNS / all.length;

  for (const [name, cli] of Object.entries(CLIS)) {
    const parse = await importParser(cli);
    yield {
      id: `${name}/parse/valid`, malformed: false,
      run() {
        try {
          const parsed = parse(cli.valid);
          return { outcome: parsed.help === false ? 'accepted' : 'refused', detail: JSON.stringify(parsed).slice(0, 120) };
        } catch (e) {
          return { outcome: 'refused', detail: describeError(e) };
        }
      },
    };
    yield {
      id: `${name}/spawn/help`, malformed: false, timeoutMs: SPAWN_TIMEOUT_MS + 5000,
      async run() {
        const r = await spawnCli(cli, ['--help']);
        return r.code === 0 ? { outcome: 'accepted', detail: 'exit 0' } : outcomeOfExit(r);
      },
    };
  }
  for (const line of all) {
    if (line.parse) {
      const parse = await importParser(line.cli);
      yield {
        id: `${line.name}/parse/${line.id}`, timeoutMs: SPAWN_TIMEOUT_MS + 5000,
        async run() {
          try {
            parse(line.args);
          } catch (e) {
            return e?.code === 'USAGE' ? { outcome: 'refused', detail: e.message } : { outcome: 'crash', detail: describeError(e) };
          }
          // The parser took it: what the program does with it decides.
          const r = await spawnCli(line.cli, line.args);
          const o = outcomeOfExit(r);
          return { outcome: o.outcome, detail: `the parser accepted ${JSON.stringify(line.args)}; the CLI: ${o.detail}` };
        },
      };
    }
    if (rng() < spawnShare) {
      yield {
        id: `${line.name}/spawn/${line.id}`, timeoutMs: SPAWN_TIMEOUT_MS + 5000,
        run: async () => outcomeOfExit(await spawnCli(line.cli, line.args)),
      };
    }
  }
}
