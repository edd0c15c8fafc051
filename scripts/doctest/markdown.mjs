// Finds the documentation files and pulls every fenced code block out of them, and every command out of a
// shell block, so the doc test can run what a reader would copy.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** The documents a reader follows: READMEs of the repository and of every package, example and folder, and docs/. */
export function documentationFiles(root) {
  const files = ['README.md'];
  for (const parent of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(root, parent, entry.name, 'README.md'))) files.push(`${parent}/${entry.name}/README.md`);
    }
  }
  for (const dir of ['conformance', 'fixtures']) if (existsSync(join(root, dir, 'README.md'))) files.push(`${dir}/README.md`);
  for (const entry of readdirSync(join(root, 'docs')).sort()) if (entry.endsWith('.md')) files.push(`docs/${entry}`);
  return files;
}

/**
 * The fenced blocks of a Markdown text: `{ line, lang, code }`, `line` being the 1-based line of the opening
 * fence and `lang` its info string's first word ('' for none).
 */
export function fencedBlocks(text) {
  const blocks = [];
  const lines = text.split('\n');
  let open = null;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(```+)\s*([^\s`]*)/.exec(lines[i]);
    if (open === null) {
      if (fence) open = { line: i + 1, lang: fence[2].toLowerCase(), fence: fence[1], body: [] };
    } else if (fence && lines[i].trim() === open.fence) {
      blocks.push({ line: open.line, lang: open.lang, code: `${open.body.join('\n')}\n` });
      open = null;
    } else {
      open.body.push(lines[i]);
    }
  }
  if (open !== null) throw new Error(`unclosed code fence at line ${open.line}`);
  return blocks;
}

/**
 * The commands of a shell block, one per entry: comment lines dropped, a trailing `\` joins the next line,
 * and a trailing `# comment` is kept (the shell ignores it). `line` is the command's offset in the block.
 */
export function shellCommands(code) {
  const commands = [];
  let pending = null;
  code.split('\n').forEach((raw, offset) => {
    const text = raw.trim();
    if (pending === null && (text === '' || text.startsWith('#'))) return;
    if (pending === null) pending = { offset, text: '' };
    if (text.endsWith('\\')) {
      pending.text += `${text.slice(0, -1).trimEnd()} `;
      return;
    }
    pending.text += text;
    commands.push({ offset: pending.offset, command: pending.text });
    pending = null;
  });
  if (pending !== null) commands.push({ offset: pending.offset, command: pending.text.trimEnd() });
  return commands;
}

/** Every block of every documentation file, each with a stable name `file:line`. */
export function documentationBlocks(root) {
  return documentationFiles(root).flatMap((file) =>
    fencedBlocks(readFileSync(join(root, file), 'utf8')).map((block) => ({ ...block, file, name: `${file}:${block.line}` })),
  );
}
