import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * @bnkit/core is the contract and must bundle for a browser: no module of its built output may import a
 * Node built-in (loading backends from disk lives in @bnkit/loader). Reads dist/, so run after `pnpm build`.
 */
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const NODE_BUILTIN = /\bfrom\s*['"]node:|\bimport\s*\(\s*['"]node:|\brequire\s*\(\s*['"]node:|\bimport\s*['"]node:/;

describe('core dist', () => {
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));

  it('is built', () => {
    expect(files).toContain('index.js');
  });

  it.each(files)('%s imports no node: module', (file) => {
    expect(readFileSync(join(dist, file), 'utf8')).not.toMatch(NODE_BUILTIN);
  });
});
