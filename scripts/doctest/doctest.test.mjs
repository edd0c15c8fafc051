import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXCEPTIONS } from './exceptions.mjs';
import { documentationBlocks, documentationFiles, fencedBlocks, inlineCommands, shellCommands } from './markdown.mjs';
import { withTarballs } from './projects.mjs';
import { satisfiesCaret } from './release.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the doc test reads Markdown as a reader copies it', () => {
  it('finds the fenced blocks with their language and opening line, nested backticks included', () => {
    const text = ['# t', '', '```sh', 'pnpm a', '```', 'prose `x`', '````md', '```js', 'inner', '```', '````', '```', 'plain', '```'].join('\n');
    expect(fencedBlocks(text)).toEqual([
      { line: 3, lang: 'sh', code: 'pnpm a\n' },
      { line: 7, lang: 'md', code: '```js\ninner\n```\n' },
      { line: 12, lang: '', code: 'plain\n' },
    ]);
    expect(() => fencedBlocks('```sh\nnever closed\n')).toThrow(/unclosed code fence at line 1/);
  });

  it('splits a shell block into commands: comment lines dropped, continuations joined, trailing comments kept', () => {
    const code = '# a comment\npnpm one   # why\n\nnpx two \\\n  --flag x \\\n  --other\npnpm three\n';
    expect(shellCommands(code)).toEqual([
      { offset: 1, command: 'pnpm one   # why' },
      { offset: 3, command: 'npx two --flag x --other' },
      { offset: 6, command: 'pnpm three' },
    ]);
  });

  it('finds the commands written inline outside fenced blocks, in tables and sentences, and marks templates', () => {
    const text = [
      '| `pnpm bench` | times `node:fs`-free rows; see `pnpm-lock.yaml` |',
      '| `pnpm conformance --backend=<ts\\|gpu>` | a template |',
      '```sh',
      'pnpm inside-a-block',
      '```',
      'Run `node app.mjs`, or `pnpm',
      'train --quick` on two lines, or ``npx a `b` c``.',
    ].join('\n');
    expect(inlineCommands(text)).toEqual([
      { line: 1, command: 'pnpm bench', template: false },
      { line: 2, command: 'pnpm conformance --backend=<ts|gpu>', template: true },
      { line: 6, command: 'node app.mjs', template: false },
      { line: 6, command: 'pnpm train --quick', template: false },
      { line: 7, command: 'npx a `b` c', template: false },
    ]);
  });

  it('covers the root, every package, the examples, conformance, fixtures and docs/', () => {
    const files = documentationFiles(root);
    for (const f of ['README.md', 'packages/nn/README.md', 'packages/core/README.md', 'conformance/README.md', 'fixtures/README.md', 'docs/batchnorm.md']) {
      expect(files).toContain(f);
    }
    expect(documentationBlocks(root).length).toBeGreaterThan(30);
  });

  it('names an exception by file and by a command or a text that exists, with a reason', () => {
    for (const e of EXCEPTIONS) {
      expect(e.reason.length, JSON.stringify(e)).toBeGreaterThan(10);
      expect((e.command === undefined) !== (e.includes === undefined), JSON.stringify(e)).toBe(true);
      expect(documentationFiles(root)).toContain(e.file);
    }
  });

  it('installs @bnkit names from their tarballs, with the @bnkit packages they depend on', () => {
    const tarballs = new Map([['@bnkit/nn', '/t/nn.tgz'], ['@bnkit/core', '/t/core.tgz'], ['@bnkit/data', '/t/data.tgz']]);
    const deps = new Map([['@bnkit/nn', ['@bnkit/core', '@bnkit/data']], ['@bnkit/data', ['@bnkit/core']], ['@bnkit/core', []]]);
    expect(withTarballs('npm install @bnkit/nn left-pad', tarballs, deps)).toBe('npm install /t/nn.tgz left-pad /t/core.tgz /t/data.tgz');
    expect(withTarballs('npm install -D @bnkit/core', tarballs, deps)).toBe('npm install -D /t/core.tgz');
  });
});

describe('caret ranges as npm reads them', () => {
  it.each([
    ['0.1.0', '0.1.0', true], ['0.1.5', '0.1.0', true], ['0.2.0', '0.1.0', false], ['0.0.0', '0.1.0', false],
    ['0.0.2', '0.0.1', false], ['1.4.0', '1.2.3', true], ['2.0.0', '1.2.3', false], ['1.2.2', '1.2.3', false],
  ])('%s satisfies ^%s: %s', (version, base, expected) => {
    expect(satisfiesCaret(version, base)).toBe(expected);
  });
});
