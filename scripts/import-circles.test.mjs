import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findCircles, importGraph, packageGraph, workspaceCircles } from './import-circles.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const planted = mkdtempSync(join(tmpdir(), 'bnkit-circles-'));
afterAll(() => rmSync(planted, { recursive: true, force: true }));

/** Writes `files` (path → text) under a fresh folder of `planted`; returns the folder. */
function tree(name, files) {
  const dir = join(planted, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('import circles', () => {
  it('the workspace has none, between files or packages', () => {
    expect(workspaceCircles(root)).toEqual([]);
  });

  it('finds a circle through three files, a type-only import and an index.ts included', () => {
    const dir = tree('files', {
      'src/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'src/b.ts': "import { c } from './c/index.js';\nexport const b = c;\n",
      'src/c/index.ts': "import type { A } from '../a.js';\nexport const c = 1 as unknown as A;\n",
      'src/leaf.ts': "import { a } from './a.js';\nexport const leaf = a;\n",
    });
    expect(findCircles(importGraph(dir, [join(dir, 'src')]))).toEqual([['src/a.ts', 'src/b.ts', 'src/c/index.ts']]);
  });

  it('finds a file importing itself and ignores imports of other packages', () => {
    const dir = tree('self', {
      'src/self.ts': "import '@bnkit/core';\nimport './self.js';\n",
      'src/other.ts': "import { x } from '@bnkit/nn';\nexport const y = x;\n",
    });
    expect(findCircles(importGraph(dir, [join(dir, 'src')]))).toEqual([['src/self.ts']]);
  });

  it('finds packages depending on each other, devDependencies included', () => {
    const one = tree('pkg-one', { 'package.json': JSON.stringify({ name: '@x/one', dependencies: { '@x/two': 'workspace:^' } }) });
    const two = tree('pkg-two', { 'package.json': JSON.stringify({ name: '@x/two', devDependencies: { '@x/one': 'workspace:^', vitest: '4' } }) });
    expect(findCircles(packageGraph([one, two]))).toEqual([['@x/one', '@x/two']]);
  });
});
