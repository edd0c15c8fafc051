import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UnknownBackendError } from '@bnkit/core';
import { loadBackend } from '@bnkit/loader';

describe('loadBackend', () => {
  it('names the available backends for an unknown name', async () => {
    await expect(loadBackend('no-such-backend-xyz')).rejects.toThrow(UnknownBackendError);
    await expect(loadBackend('no-such-backend-xyz')).rejects.toThrow(/ts, gpu, tfjs/);
  });

  it('rejects a file that does not export a backend factory', async () => {
    await expect(loadBackend(new URL('./fixtures/not-a-backend.mjs', import.meta.url).pathname)).rejects.toThrow(/no default export/);
  });

  it('loads a package whose exports map has only an import condition, from the caller\'s location', async () => {
    const app = mkdtempSync(join(tmpdir(), 'bnkit-load-'));
    const pkg = join(app, 'node_modules', 'esm-only-backend');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'esm-only-backend', type: 'module', exports: { '.': { import: './main.js' } } }));
    writeFileSync(
      join(pkg, 'main.js'),
      `export default () => ({ specificationVersion: 'bnkit-backend/1', name: 'esm-only', device: { kind: 'cpu', name: 'test' },
        capabilities: [], upload: () => undefined, read: async () => new Float32Array(0), reshape: (t) => t,
        dispose: () => undefined, memory: () => ({ tensors: 0, bytes: 0 }), close: async () => undefined });`,
    );
    const backend = await loadBackend('esm-only-backend', {}, pathToFileURL(join(app, 'app.js')).href);
    expect(backend.name).toBe('esm-only');
  });
});
