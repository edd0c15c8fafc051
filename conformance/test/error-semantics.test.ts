import { createBackend } from '@bnkit/backend-ts';
import type { Backend, BackendOptions } from '@bnkit/core';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECKS, runConformance, type CheckResult } from '../dist/index.js';
import lenientDispose from './broken/lenient-dispose.js';
import ownLabelError from './broken/own-label-error.js';
import unchecked from './broken/unchecked.js';

type Factory = (options?: BackendOptions) => Promise<Backend>;

const errorSemantics = CHECKS.filter((c) => c.id === 'error-semantics');

/** Check 12 alone on a backend given by spec (a file or a built-in name), so use after close is checked too. */
async function check12(spec: string, extra: { device?: string; profile?: 'bn' | 'training' } = {}): Promise<CheckResult> {
  const report = await runConformance({ backend: spec, seed: 1, numRuns: 1, checks: errorSemantics, builtinFixtures: false, ...extra });
  return report.checks[0];
}

const file = (name: string) => fileURLToPath(new URL(`./broken/${name}.js`, import.meta.url));

describe('check 12 rejects backends that break the error and lifecycle rules', () => {
  const cases: [string, string, RegExp][] = [
    ['a backend that does not wrap itself in checked()', 'unchecked', /FAIL double-dispose: dispose of a disposed handle → no error/],
    ['a backend that silently accepts a double dispose', 'lenient-dispose', /FAIL double-dispose: dispose of a disposed handle → no error/],
    ['a backend with its own, differently typed label error', 'own-label-error', /FAIL label-range: .* → no code RangeError: label out of range/],
  ];
  it.each(cases)('%s', async (_fault, name, reason) => {
    const result = await check12(file(name));
    expect(result.status).toBe('fail');
    expect(result.message).toMatch(reason);
  });

  it('the unchecked backend also fails the use-after-close and label sub-cases', async () => {
    const { message } = await check12(file('unchecked'));
    expect(message).toMatch(/FAIL upload-after-close/);
    expect(message).toMatch(/FAIL label-range/);
    expect(message).toMatch(/FAIL foreign-object/);
  });
});

describe('the real backends pass check 12', () => {
  it.each([
    ['ts', {}],
    ['tfjs', { device: 'wasm' }],
  ] as const)('%s %o', async (spec, extra) => {
    const result = await check12(spec, { profile: 'training', ...extra });
    expect(result.message).not.toMatch(/FAIL/);
    expect(result.status).toBe('pass');
  });

  it('a backend passed as an instance passes, with use after close reported as not checked', async () => {
    const backend = await (createBackend as Factory)({ threads: 1 });
    try {
      const report = await runConformance({ backend, seed: 1, numRuns: 1, checks: errorSemantics, builtinFixtures: false });
      expect(report.checks[0].status).toBe('pass');
      expect(report.checks[0].message).toMatch(/use after close\(\) not checked/);
    } finally {
      await backend.close();
    }
  });
});
