import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../../vitest.config.js';
import { createBackend } from '@bnkit/backend-ts';
import type { Tensor } from '@bnkit/core';
import { randomArray, read, seeded, type TrainingBackend } from './kernels-support.js';

/*
 * The threaded kernels cut work into a fixed number of chunks (images, rows or planes) that the threads claim;
 * weight gradients are summed per chunk and the chunk sums added in chunk order. Results must therefore be
 * bit-identical for every thread count. Shapes here are LeNet-BN layers at batch 128, well above the size
 * where work is split, so the 2-thread backend really uses its worker.
 */

/** Bit-identical, checked with a plain loop (deep equality on large typed arrays is slow). */
function expectIdentical(actual: Float32Array | Int32Array, expected: Float32Array | Int32Array, what: string): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let i = 0;
  while (i < expected.length && Object.is(actual[i], expected[i])) i++;
  expect(i, `${what} first differs at ${i}: ${actual[i]} vs ${expected[i]}`).toBe(expected.length);
}

describe('1 thread and 2 threads agree', () => {
  let one: TrainingBackend;
  let two: TrainingBackend;
  beforeAll(async () => {
    one = (await createBackend({ threads: 1 })) as TrainingBackend;
    two = (await createBackend({ threads: 2 })) as TrainingBackend;
  });
  afterAll(async () => {
    await one.close();
    await two.close();
  });

  it('reports its thread count as the device name', () => {
    expect(one.device.name).toBe('1 thread');
    expect(two.device.name).toBe('2 threads');
  });

  /** Runs `f` on both backends with the same uploaded data and returns both results, read back. */
  async function both(
    inputs: Record<string, { data: Float32Array; shape: number[] }>,
    f: (b: TrainingBackend, t: Record<string, Tensor>) => Promise<Record<string, Tensor | undefined>>,
  ): Promise<[Record<string, Float32Array | Int32Array>, Record<string, Float32Array | Int32Array>]> {
    const run = async (b: TrainingBackend) => {
      const t = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, b.upload(v.data, v.shape)]));
      const out = await f(b, t);
      return Object.fromEntries(await Promise.all(Object.entries(out).map(async ([k, v]) => [k, await read(b, v)] as const)));
    };
    return [await run(one), await run(two)];
  }

  const rand = seeded(21);
  const input = (...shape: number[]) => ({ data: randomArray(shape.reduce((a, d) => a * d, 1), rand), shape });

  it.each([
    ['conv1 1->6 k5 28x28', 1, 28, 6],
    ['conv2 6->16 k5 12x12', 6, 12, 16],
  ])('%s forward and backward', async (_name, cin, hw, cout) => {
    const attrs = { stride: [1, 1] as const, padding: [0, 0] as const };
    const [a, b] = await both(
      { x: input(128, cin, hw, hw), weight: input(cout, cin, 5, 5), bias: input(cout), dy: input(128, cout, hw - 4, hw - 4) },
      async (k, t) => ({
        y: await k.conv2d({ x: t.x, weight: t.weight, bias: t.bias }, attrs),
        ...(await k.conv2dBackward({ x: t.x, weight: t.weight, dy: t.dy }, attrs)),
      }),
    );
    expectIdentical(b.y, a.y, 'y');
    expectIdentical(b.dx, a.dx, 'dx');
    for (const k of ['dweight', 'dbias']) expectIdentical(b[k], a[k], k);
  });

  it('linear 256->120 forward and backward', async () => {
    const [a, b] = await both(
      { x: input(128, 256), weight: input(120, 256), bias: input(120), dy: input(128, 120) },
      async (k, t) => ({ y: await k.linear({ x: t.x, weight: t.weight, bias: t.bias }), ...(await k.linearBackward({ x: t.x, weight: t.weight, dy: t.dy })) }),
    );
    expectIdentical(b.y, a.y, 'y');
    expectIdentical(b.dx, a.dx, 'dx');
    for (const k of ['dweight', 'dbias']) expectIdentical(b[k], a[k], k);
  });

  it('pools and sigmoid, forward and backward', async () => {
    const pool = { kernel: [2, 2] as const, stride: [2, 2] as const, padding: [0, 0] as const };
    const [a, b] = await both({ x: input(128, 6, 24, 24), dy: input(128, 6, 12, 12), dyFull: input(128, 6, 24, 24) }, async (k, t) => {
      const s = await k.sigmoid({ x: t.x });
      return {
        avg: await k.avgPool2d({ x: t.x }, pool),
        avgDx: await k.avgPool2dBackward({ x: t.x, dy: t.dy }, pool),
        max: await k.maxPool2d({ x: t.x }, pool),
        maxDx: await k.maxPool2dBackward({ x: t.x, dy: t.dy }, pool),
        sigmoid: s,
        sigmoidDx: await k.sigmoidBackward({ y: s, dy: t.dyFull }),
      };
    });
    for (const k of Object.keys(a)) expectIdentical(b[k], a[k], k);
  });

  it('runs concurrent kernel calls without mixing their data', async () => {
    const x = input(64, 6, 12, 12);
    const weights = [input(16, 6, 5, 5), input(16, 6, 5, 5)];
    const attrs = { stride: [1, 1] as const, padding: [0, 0] as const };
    const call = (k: TrainingBackend, w: { data: Float32Array; shape: number[] }) =>
      k.conv2d({ x: k.upload(x.data, x.shape), weight: k.upload(w.data, w.shape), bias: k.upload(new Float32Array(16), [16]) }, attrs);
    const together = await Promise.all(weights.map((w) => call(two, w)));
    for (let i = 0; i < 2; i++) expectIdentical(await two.read(together[i]), await one.read(await call(one, weights[i])), `call ${i}`);
  });
});

describe('storage reuse after dispose', () => {
  let b: TrainingBackend;
  beforeAll(async () => {
    b = (await createBackend({ threads: 2 })) as TrainingBackend;
  });
  afterAll(() => b.close());
  const rand = seeded(31);
  const shape = [128, 6, 24, 24];
  const data = () => randomArray(shape.reduce((a, d) => a * d, 1), rand);

  it('keeps the values of a reshaped handle whose original was disposed', async () => {
    const y = await b.sigmoid({ x: b.upload(data(), shape) });
    const expected = await b.read(y);
    const view = b.reshape(y, [128, 6 * 24 * 24]);
    b.dispose(y);
    // Same size as y: would land on y's storage if it were (wrongly) reused.
    const other = await b.relu({ x: b.upload(data(), shape) });
    expectIdentical(await b.read(view), expected, 'reshaped view');
    b.dispose(other);
    b.dispose(view);
  });

  it('does not reuse an input disposed while a threaded call on it is still running', async () => {
    // When the calling thread runs out of chunks the worker is often still inside its last one (chunks of
    // this conv take milliseconds); the relu below then runs at once and would overwrite x if its storage
    // were reused before the call settled. (On a busy machine the calling thread may do every chunk itself;
    // the pinning rule itself is tested deterministically under 'shared storage pool'.)
    const x = await b.sigmoid({ x: b.upload(data(), shape) });
    const conv = { weight: b.upload(randomArray(16 * 6 * 25, rand), [16, 6, 5, 5]), bias: b.upload(new Float32Array(16), [16]) };
    const attrs = { stride: [1, 1] as const, padding: [0, 0] as const };
    const expected = await b.read(await b.conv2d({ x, ...conv }, attrs));
    for (let round = 0; round < 3; round++) {
      const input = round === 0 ? x : await b.sigmoid({ x: b.upload(data(), shape) });
      const want = round === 0 ? expected : await b.read(await b.conv2d({ x: input, ...conv }, attrs));
      const pending = b.conv2d({ x: input, ...conv }, attrs);
      b.dispose(input);
      const reused = await b.relu({ x: b.upload(data(), shape) });
      expectIdentical(await b.read(await pending), want, `conv output, round ${round}`);
      b.dispose(reused);
    }
  });

  it('hands out zeroed storage for outputs that accumulate', async () => {
    const x = b.upload(data(), shape);
    const dy = b.upload(randomArray(128 * 6 * 12 * 12, rand), [128, 6, 12, 12]);
    const attrs = { kernel: [2, 2] as const, stride: [2, 2] as const, padding: [0, 0] as const };
    const first = await b.avgPool2dBackward({ x, dy }, attrs);
    const expected = await b.read(first);
    b.dispose(first);
    b.dispose(await b.sigmoid({ x }));
    expectIdentical(await b.read(await b.avgPool2dBackward({ x, dy }, attrs)), expected, 'dx');
  });
});

describe('shared storage pool', () => {
  it('reuses recycled storage zeroed, but not while it is pinned by a running call', async () => {
    const { pin, recycle, sharedFloat32 } = await import('../dist/storage/shared.js');
    const n = 12345;
    const a = sharedFloat32(n);
    a.fill(7);
    const unpin = pin([a]);
    recycle(a);
    const whilePinned = sharedFloat32(n);
    expect(whilePinned.buffer).not.toBe(a.buffer);
    unpin();
    const after = sharedFloat32(n);
    expect(after.buffer).toBe(a.buffer);
    expect(after.every((v) => v === 0)).toBe(true);
    recycle(new Float32Array(n));
    expect(sharedFloat32(n).buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('worker lifetime', () => {
  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

  /** Runs an ES module script that creates backend `b` with 2 threads, runs threaded conv2d calls, then `ending`. */
  function runScript(ending: string): { status: number | null; stdout: string; stderr: string } {
    const script = `
      import { createBackend } from ${JSON.stringify(pathToFileURL(dist).href)};
      const b = await createBackend({ threads: 2 });
      const x = b.upload(new Float32Array(64 * 6 * 12 * 12).fill(1), [64, 6, 12, 12]);
      const w = b.upload(new Float32Array(16 * 6 * 25).fill(0.5), [16, 6, 5, 5]);
      const bias = b.upload(new Float32Array(16), [16]);
      for (let i = 0; i < 4; i++) b.dispose(await b.conv2d({ x, weight: w, bias }, { stride: [1, 1], padding: [0, 0] }));
      const v = await b.read(await b.conv2d({ x, weight: w, bias }, { stride: [1, 1], padding: [0, 0] }));
      console.log(b.device.name, v.length, v[0], v[v.length - 1]);
      ${ending}
    `;
    const file = join(mkdtempSync(join(tmpdir(), 'bnkit-threads-')), 'script.mjs');
    writeFileSync(file, script);
    return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: CHILD_LIMIT_MS });
  }

  it('lets the process exit without close(), after awaiting threaded kernels at top level', () => {
    const r = runScript('');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`2 threads ${64 * 16 * 8 * 8} 75 75`);
  });

  it('settles an awaited close() at top level (exit code 13 would mean it never did)', () => {
    const r = runScript("await b.close(); console.log('closed');");
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([`2 threads ${64 * 16 * 8 * 8} 75 75`, 'closed']);
  });

  it('close() terminates the workers; later threaded calls fail clearly', async () => {
    const b = (await createBackend({ threads: 2 })) as TrainingBackend;
    const x = b.upload(new Float32Array(128 * 6 * 24 * 24), [128, 6, 24, 24]);
    await b.close();
    await expect(b.sigmoid({ x })).rejects.toThrow(/closed/);
  });
});
