import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@bnkit/core';
import createBackend from '@bnkit/backend-gpu';
import { divFloor } from '../dist/kernels/gpu-functions.js';

/*
 * gpu.js index arithmetic is f32 and its `/` may be off by 2.5 ULP in WGSL (exact on lavapipe, not on
 * every GPU), so divFloor is checked here against a division that is as wrong as WGSL allows.
 */

/** divFloor's own source with `a / b` replaced by the f32 quotient moved `ulps` f32 ULPs (then rounded to f32). */
function withSloppyDivision(ulps: number): (a: number, b: number) => number {
  const source = divFloor.toString();
  expect(source).toContain('a / b');
  const body = source.slice(source.indexOf('{') + 1, source.lastIndexOf('}')).replace('a / b', 'sloppy(a, b)');
  const sloppy = (a: number, b: number): number => {
    const q = Math.fround(a / b);
    const ulp = q === 0 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(q))) - 23);
    return Math.fround(q + ulps * ulp);
  };
  return new Function('sloppy', `return function (a, b) {${body}};`)(sloppy) as (a: number, b: number) => number;
}

describe('index math', () => {
  it('divFloor is exact for every index below 2^24 under a division off by up to 2.5 ULP', () => {
    const cases: [number, number][] = [];
    // Quotients near every power of two up to 2^24, exact multiples (an estimate below them floors one
    // lower) and their neighbours, for several divisors.
    for (const b of [1, 2, 3, 7, 64, 1000]) {
      for (let e = 0; e <= 24; e++) {
        const q = Math.floor(2 ** e / b) * b > 0 ? 2 ** e : b;
        for (const a of [q - b - 1, q - b, q - 1, q, q + 1, q + b - 1, q + b, 2 ** 24 - 1 - ((2 ** 24 - 1) % b), 2 ** 24 - 1]) {
          if (a >= 0 && a < 2 ** 24) cases.push([a, b]);
        }
      }
    }
    for (const ulps of [-2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5]) {
      const f = withSloppyDivision(ulps);
      // `+ 0` because a quotient of 0 estimated as −0 stays −0, which is the same index.
      for (const [a, b] of cases) expect(f(a, b) + 0, `divFloor(${a}, ${b}) with ${ulps} ULP`).toBe(Math.floor(a / b));
    }
  });

  it('a kernel over more than 65,535 workgroups of 64 threads, with channel indices from quotients above 2^22', async () => {
    // [N, 2] with N > 2^22: the channel of element e is e − 2·divFloor(e, 2), a quotient above 2^22, and
    // 2N / 64 workgroups are more than one dispatch dimension holds (gpu.js folds them into a second one).
    const n = 2 ** 22 + 3;
    const backend = await createBackend({ device: 'webgpu' });
    try {
      const x = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) {
        x[2 * i] = 1;
        x[2 * i + 1] = 1001;
      }
      const t = (v: number[]) => backend.upload(v, [2]);
      const inputs = { x: backend.upload(x, [n, 2]), gamma: t([1, 2]), beta: t([0, 0]), runningMean: t([0, 1000]), runningVar: t([1, 1]) };
      const y = await backend.read(await backend.batchNormEval(inputs, { axis: 1, eps: 1e-5, momentum: 0.9, runningVar: 'unbiased' }));
      expect(y).toHaveLength(2 * n);
      // Channel 0 normalises to s = 1/sqrt(1 + eps), channel 1 to 2s; a wrong channel index gives about 1001.
      const s = 1 / Math.sqrt(1 + 1e-5);
      let wrong = 0;
      for (let i = 0; i < n; i++) if (Math.abs(y[2 * i] - s) > 1e-6 || Math.abs(y[2 * i + 1] - 2 * s) > 1e-6) wrong++;
      expect(wrong).toBe(0);
    } finally {
      await backend.close();
    }
  });

  it('refuses a tensor above 2^24 elements with a typed error naming the limit', async () => {
    const backend = await createBackend({ device: 'cpu' });
    try {
      const x = backend.upload(new Float32Array(2 ** 24 + 1), [2 ** 24 + 1]);
      const failure = backend.relu({ x });
      await expect(failure).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(failure).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(failure).rejects.toThrow(/2\^24/);
      // The limit itself is allowed.
      const atLimit = backend.upload(new Float32Array(2 ** 24), [2 ** 24]);
      const y = await backend.read(await backend.relu({ x: atLimit }));
      expect(y).toHaveLength(2 ** 24);
    } finally {
      await backend.close();
    }
  });
});
