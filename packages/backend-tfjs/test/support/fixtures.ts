import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../../fixtures/pytorch', import.meta.url));

export interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
}

export interface Fixture {
  readonly id: string;
  readonly file: string;
  readonly op: string;
  readonly attrs: Record<string, unknown>;
  readonly inputs: Record<string, FixtureTensor>;
  readonly expected: Record<string, FixtureTensor>;
  readonly tolerance: { rtol: number; atol: number };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.json') ? [path] : [];
  });
}

/** Every golden case under fixtures/pytorch except the end-to-end LeNet-BN ones. */
export function loadFixtures(): Fixture[] {
  return walk(FIXTURES_DIR)
    .sort()
    .flatMap((file) => {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Omit<Fixture, 'file'> | Omit<Fixture, 'file'>[];
      return (Array.isArray(parsed) ? parsed : [parsed]).map((f) => ({ ...f, file: relative(FIXTURES_DIR, file) }));
    })
    .filter((f) => f.op !== 'lenetBN');
}

/**
 * The fixture rule |actual − expected| <= atol + rtol·|expected|. Returns a description of the worst
 * violation, or null when every value passes (NaN never passes).
 */
export function mismatch(actual: ArrayLike<number>, expected: FixtureTensor, tol: { rtol: number; atol: number }): string | null {
  if (actual.length !== expected.data.length) return `length ${actual.length} != expected ${expected.data.length}`;
  let worst: { i: number; excess: number } | null = null;
  for (let i = 0; i < actual.length; i++) {
    const e = expected.data[i];
    const err = Math.abs(actual[i] - e);
    const allowed = tol.atol + tol.rtol * Math.abs(e);
    if (!(err <= allowed)) {
      const excess = Number.isNaN(err) ? Infinity : err / allowed;
      if (!worst || excess > worst.excess) worst = { i, excess };
    }
  }
  if (!worst) return null;
  const { i } = worst;
  return `index ${i}: actual ${actual[i]}, expected ${expected.data[i]} (error ${Math.abs(actual[i] - expected.data[i])}, allowed ${tol.atol + tol.rtol * Math.abs(expected.data[i])})`;
}
