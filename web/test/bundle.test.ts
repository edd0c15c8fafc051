import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_ONLY_BRANCHES, bundleForBrowser, bundlePages, type Bundles } from '../dist/bundle.js';

// The README's app, as written there ("Writing an app"), bundled for the browser with each backend.
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const app = /## Writing an app[\s\S]*?```js\n(\/\/ app\.mjs[\s\S]*?)```/.exec(readme)?.[1];

const out = mkdtempSync(join(tmpdir(), 'bnkit-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));


/** No node: import is left, and nothing else but gpu.js's Node-side requires (bundle.ts). */
function expectBrowserOnly(external: Bundles['external']): void {
  expect(external.filter((path) => path.startsWith('node:'))).toEqual([]);
  expect(external.filter((path) => !(NODE_ONLY_BRANCHES as readonly string[]).includes(path))).toEqual([]);
}

describe('bundling for the browser (esbuild, platform browser)', () => {
  it('finds the README app', () => {
    expect(app).toContain("from '@bnkit/nn'");
  });

  for (const backend of ['@bnkit/backend-ts', '@bnkit/backend-gpu']) {
    it(`bundles the README app with ${backend}: no node: import, nothing unresolved`, async () => {
      const entry = join(fileURLToPath(new URL('..', import.meta.url)), `readme-app.${backend.split('-').pop()}.tmp.mjs`);
      writeFileSync(entry, (app as string).replace("'@bnkit/backend-ts'", `'${backend}'`));
      try {
        // esbuild fails the build on any module it cannot resolve, node: builtins included.
        const { sizes, external } = await bundleForBrowser({ app: entry }, join(out, backend.split('/')[1]));
        expectBrowserOnly(external);
        console.log(`README app with ${backend}: ${(sizes['app.js'] / 1024).toFixed(0)} KiB`);
      } finally {
        rmSync(entry, { force: true });
      }
    });
  }

  it("bundles the pages and backend-ts's worker", async () => {
    const { sizes, external } = await bundlePages(join(out, 'pages'));
    expect(Object.keys(sizes).sort()).toEqual(['conformance.js', 'tasks.js', 'training.js', 'worker-web.js']);
    expectBrowserOnly(external);
    console.log(`page bundles: ${Object.entries(sizes).map(([f, b]) => `${f} ${(b / 1024).toFixed(0)} KiB`).join(', ')}`);
  });
});
