import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '@bnkit/backend-ts';
import { fixtureDirs, MAX_FIXTURE_FILE_BYTES, pytorchFixturesDir } from '@bnkit/fixtures';
import { lenetBN } from '@bnkit/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../vitest.config.js';
import { ConformanceUsageError, loadFixtureDirs, loadFixtureFile, MalformedFixtureError } from '../dist/index.js';
import { LENET_BN_BUFFERS, LENET_BN_PARAMETERS } from '../dist/fixtures/ops/lenet-bn.js';
import { MAX_FIXTURE_TOLERANCE } from '../dist/tolerance.js';

/*
 * Fixtures that could not fail, or that no correct backend could pass, are refused when they load, naming
 * the file and the field (the CLI's exit 2), never run and blamed on the backend. Each case here mutates a
 * built-in case in one place.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'bnkit-refusals-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Json = Record<string, any>;
const builtin = (rel: string): Json => JSON.parse(readFileSync(join(pytorchFixturesDir, rel), 'utf8'));
let lenetText: string | undefined;
const lenet = (): Json => JSON.parse((lenetText ??= readFileSync(join(pytorchFixturesDir, 'lenetBN', 'b8-steps3-lr0.5.json'), 'utf8')));

let n = 0;
/** Writes `content` (a case, or raw text) to a fresh directory and returns the file's path. */
function write(content: unknown, name = 'case.json'): string {
  const dir = join(tmp, `d${n++}`);
  mkdirSync(dir);
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** The error loading `file` throws (the test fails when it loads). */
function refusal(file: string): MalformedFixtureError {
  try {
    loadFixtureFile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(MalformedFixtureError);
    return e as MalformedFixtureError;
  }
  throw new Error(`${file} loaded, but it should have been refused`);
}

const mutations: [string, () => Json, string, RegExp][] = [
  ['atol 1e300 with garbage expected values', () => {
    const f = builtin('batchNorm/train-nc-5x2.json');
    f.tolerance.atol = 1e300;
    f.expected.y.data = f.expected.y.data.map(() => 12345);
    return f;
  }, '/tolerance/atol', /too loose for the case to fail: .* must be below 2\^-8/],
  ['a huge rtol', () => ({ ...builtin('linear/3x7-to-5.json'), tolerance: { rtol: 5, atol: 0 } }), '/tolerance/rtol', /too loose/],
  ['atol just above 2^-8 of the largest expected value', () => {
    const f = builtin('relu/4x10.json');
    const peak = Math.max(...Object.values(f.expected).flatMap((t: any) => t.data.map(Math.abs)));
    return { ...f, tolerance: { rtol: 0, atol: peak * MAX_FIXTURE_TOLERANCE * 1.01 } };
  }, '/tolerance/atol', /too loose/],
  ['an expected value beyond float32', () => {
    const f = builtin('sigmoid/4x10-wide.json');
    f.expected.y.data[3] = 1e39;
    return f;
  }, '/expected/y/data/3', /finite float32 values/],
  ['axis out of range', () => ({ ...builtin('batchNorm/train-nc-5x2.json'), attrs: { ...builtin('batchNorm/train-nc-5x2.json').attrs, axis: 2 } }), '/attrs/axis', /AXIS.*axis 2 is out of range for rank 2: allowed -2..1/],
  ['training on one value per channel', () => {
    const f = builtin('batchNorm/eval-nc-1x10-single-sample.json');
    f.attrs.training = true;
    return f;
  }, '/attrs/training', /DEGENERATE_BATCH.*more than one value per channel/],
  ['gamma of the wrong length', () => {
    const f = builtin('batchNorm/train-nc-5x2.json');
    f.inputs.gamma = { shape: [3], data: [1, 1, 1] };
    return f;
  }, '/inputs', /gamma \(one value per channel of axis 1\) must have shape \[2\], got \[3\]/],
  ['an expected shape that does not match the op', () => {
    const f = builtin('batchNorm/train-nc-5x2.json');
    f.expected.y.shape = [10];
    return f;
  }, '/expected/y/shape', /is \[10\], but batchNorm gives y the shape \[5, 2\]/],
  ['an eval case whose running statistics change', () => {
    const f = builtin('batchNorm/eval-nchw-4x3x5x5.json');
    f.expected.runningMean.data[1] += 0.5;
    return f;
  }, '/expected/runningMean/data/1', /eval mode returns the running statistics unchanged/],
  ['an eval case with a negative running variance', () => {
    const f = builtin('batchNorm/eval-nchw-4x3x5x5.json');
    f.inputs.runningVar.data[2] = -1;
    f.expected.runningVar.data[2] = -1;
    return f;
  }, '/inputs/runningVar/data/2', /runningVar \+ eps must be > 0/],
  ['a label >= K', () => {
    const f = builtin('softmaxCrossEntropy/8x10.json');
    f.inputs.labels.data[4] = 10;
    return f;
  }, '/inputs/labels', /label 10 at row 4 is outside \[0, 9\]/],
  ['conv2d weight channels that do not match x', () => {
    const f = builtin('conv2d/stride2-pad1-4x3x7x7-k3.json');
    const [o, , kh, kw] = f.inputs.weight.shape;
    f.inputs.weight = { shape: [o, 2, kh, kw], data: new Array(o * 2 * kh * kw).fill(0.1) };
    return f;
  }, '/inputs', /conv2d weight has 2 input channels but x has 3/],
  ['pool padding beyond half the kernel', () => {
    const f = builtin('maxPool2d/k2s2-2x16x8x8.json');
    f.attrs.padding = [2, 0];
    return f;
  }, '/attrs/padding', /at most half the kernel/],
  ['a gradient expected without dy', () => {
    const f = builtin('sigmoid/4x10-wide.json');
    delete f.inputs.dy;
    return f;
  }, '/inputs/dy', /is required/],
  ['an expected output the op does not compute', () => {
    const f = builtin('linear/3x7-to-5.json');
    f.expected.dgamma = f.expected.dbias;
    return f;
  }, '/expected/dgamma', /is not allowed here/],
  ['lenetBN with an empty firstStep', () => ({ ...lenet(), expected: { ...lenet().expected, firstStep: {} } }), '/expected/firstStep', /holds no tensor, so it checks nothing/],
  ['lenetBN with an empty trajectory', () => ({ ...lenet(), expected: { ...lenet().expected, trajectory: {} } }), '/expected/trajectory', /holds no tensor/],
  ['lenetBN with more steps than batches', () => {
    const f = lenet();
    f.attrs.steps = 5;
    return f;
  }, '/attrs/steps', /is 5, but inputs.batches holds 3/],
  ['lenetBN with a parameter of the wrong shape', () => {
    const f = lenet();
    f.inputs.params['fc1.weight'].shape = [256, 120];
    return f;
  }, '/inputs/params/fc1.weight/shape', /is \[256, 120\], but LeNet-BN's fc1.weight is \[120, 256\]/],
  ['lenetBN without a running statistic', () => {
    const f = lenet();
    delete f.inputs.buffers['bn3.runningVar'];
    return f;
  }, '/inputs/buffers/bn3.runningVar', /is required: LeNet-BN's buffers are/],
  ['lenetBN expecting a gradient of no parameter', () => {
    const f = lenet();
    f.expected.firstStep['grad.conv9.weight'] = f.expected.firstStep['grad.conv1.weight'];
    return f;
  }, '/expected/firstStep/grad.conv9.weight', /is not an output of lenetBN/],
  ['lenetBN losses of the wrong length', () => {
    const f = lenet();
    f.expected.trajectory.losses = { shape: [2], data: f.expected.trajectory.losses.data.slice(0, 2) };
    return f;
  }, '/expected/trajectory/losses/shape', /is \[2\], but lenetBN gives trajectory.losses the shape \[3\]/],
  ['lenetBN labels beyond its 10 classes', () => {
    const f = lenet();
    f.inputs.batches[1].labels.data[0] = 10;
    return f;
  }, '/inputs/batches/1/labels', /outside \[0, 9\]/],
];

describe('impossible fixtures, and fixtures that cannot fail, are malformed', () => {
  it.each(mutations)('%s', (_name, mutate, field, message) => {
    const file = write(mutate());
    const e = refusal(file);
    expect(e.file).toBe(file);
    expect(e.field).toBe(field);
    expect(e.message).toContain(file);
    expect(e.message).toMatch(message);
  });

  it('names the case inside an array file by its index', () => {
    const bad = builtin('relu/4x10.json');
    bad.tolerance.rtol = 1;
    const e = refusal(write([{ ...builtin('relu/4x10.json'), id: 'relu/ok' }, bad]));
    expect(e.field).toBe('/1/tolerance/rtol');
  });

  it('an infinite tolerance (1e999 in the JSON text) is refused', () => {
    const text = JSON.stringify({ ...builtin('relu/4x10.json'), tolerance: { rtol: 1e-5, atol: 12345 } }).replace('12345', '1e999');
    expect(refusal(write(text)).field).toBe('/tolerance/atol');
  });

  it('every built-in case still loads under these rules', () => {
    const loaded = loadFixtureDirs(fixtureDirs);
    expect(loaded).toHaveLength(40);
  });

  it("LeNet-BN's parameter table is the model @bnkit/nn builds", async () => {
    const backend = await createBackend();
    try {
      const model = lenetBN(backend, { seed: 0 });
      const shapes = (named: ReadonlyArray<readonly [string, { value: { shape: readonly number[] } }]>) => new Map(named.map(([k, t]) => [k, [...t.value.shape]]));
      expect(new Map([...LENET_BN_PARAMETERS].map(([k, s]) => [k, [...s]]))).toEqual(shapes(model.namedParameters()));
      expect(new Map([...LENET_BN_BUFFERS].map(([k, s]) => [k, [...s]]))).toEqual(shapes(model.namedBuffers()));
      model.dispose();
    } finally {
      await backend.close();
    }
  });
});

describe('the loader refuses what is not a fixture file, fast, and walks linked directories', () => {
  it('refuses a FIFO named z.json without blocking on it', () => {
    const dir = join(tmp, 'fifo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.json'), JSON.stringify(builtin('relu/4x10.json')));
    execFileSync('mkfifo', [join(dir, 'z.json')]);
    expect(() => loadFixtureDirs([dir])).toThrow(/z\.json: field '\/' is a FIFO \(named pipe\): fixture files must be regular files/);
  });

  it('refuses a file over the size limit from its size, without reading it', () => {
    // A sparse file: its size is all the loader may look at (its content, NUL bytes, is not even JSON).
    const file = write('', 'huge.json');
    truncateSync(file, 50 * 1024 * 1024);
    const e = refusal(file);
    expect(e.message).toMatch(new RegExp(`is 52428800 bytes, larger than the ${MAX_FIXTURE_FILE_BYTES}-byte limit`));
  });

  it('refuses a large array of non-fixtures at its first element, without deep validation', () => {
    const e = refusal(write(JSON.stringify(Array.from({ length: 200_000 }, (_, i) => i / 2))));
    expect(e.field).toBe('/0');
    expect(e.message).toMatch(/is number: a file holds one case object or an array of case objects/);
  });

  it('refuses a dangling link and an empty array', () => {
    const dir = join(tmp, 'dangling');
    mkdirSync(dir);
    symlinkSync(join(dir, 'nowhere.json'), join(dir, 'gone.json'));
    expect(() => loadFixtureDirs([dir])).toThrow(/gone\.json: field '\/' does not exist/);
    expect(refusal(write('[]')).message).toMatch(/is an empty array/);
  });

  it('follows a symbolically linked sub-folder and runs its cases', () => {
    const store = join(tmp, 'store');
    mkdirSync(join(store, 'relu'), { recursive: true });
    writeFileSync(join(store, 'relu', 'one.json'), JSON.stringify({ ...builtin('relu/4x10.json'), id: 'linked/relu' }));
    const dir = join(tmp, 'linking');
    mkdirSync(dir);
    symlinkSync(store, join(dir, 'cases'));
    expect(loadFixtureDirs([dir]).map((l) => l.fixture.id)).toEqual(['linked/relu']);
  });

  it('refuses a symbolic link loop instead of following it forever', () => {
    const dir = join(tmp, 'loop');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'a.json'), JSON.stringify(builtin('relu/4x10.json')));
    symlinkSync(dir, join(dir, 'sub', 'back'));
    expect(() => loadFixtureDirs([dir])).toThrow(ConformanceUsageError);
    expect(() => loadFixtureDirs([dir])).toThrow(/sub\/back is a symbolic link back to .*loop, which contains it: the fixture directory loops/);
  });
});

describe('the CLI exits 2 on a refused fixture, naming file and field', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { cwd: root, encoding: 'utf8', timeout: CHILD_LIMIT_MS });

  it('for a tolerance that cannot fail and for a FIFO', () => {
    const loose = mutations[0][1]();
    const file = write(loose);
    const r = cli('--backend=ts', '--fixtures', join(file, '..'));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${file}: field '/tolerance/atol' is too loose`);
    const dir = join(tmp, 'cli-fifo');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'z.json')]);
    const fifo = cli('--backend=ts', '--fixtures', dir);
    expect(fifo.status, fifo.stderr).toBe(2);
    expect(fifo.stderr).toMatch(/z\.json: field '\/' is a FIFO/);
  });
});
