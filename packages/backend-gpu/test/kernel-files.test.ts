import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_GROUPS } from '@bnkit/core';

// A kernel lives in the file named after its contract name; shared helpers in files named for what they hold.
describe('kernel files', () => {
  it.each(Object.values(KERNEL_GROUPS).flat())('%s is in src/kernels/%s.ts and exported from there', async (name) => {
    const file = new URL(`../src/kernels/${name}.ts`, import.meta.url);
    expect(existsSync(file)).toBe(true);
    const module = (await import(`../dist/kernels/${name}.js`)) as Record<string, unknown>;
    expect(typeof module[name]).toBe('function');
  });
});
