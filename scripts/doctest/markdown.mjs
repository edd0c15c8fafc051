// Finds the documentation files and pulls every fenced code block out of them, every command out of a
// shell block, and every command written inline (in a table or a sentence), so the doc test can run what a
// reader would copy.
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

/** What starts a command a reader would type; an inline span starting otherwise (`node:fs`, `pnpm-lock.yaml`) is a name. */
const COMMAND_START = /^(pnpm|npm|npx|node|python3) \S/;
/** A span holding one of these is a template: `<backend>`, `[DIR]` and `…` stand for the reader's choice. */
const PLACEHOLDER = /[<[\]…]/;

/**
 * The commands written as inline code outside fenced blocks: `{ line, command, template }`. A table cell's
 * escaped `\|` is read as `|`, and a span broken over lines is joined with one space, as Markdown renders it.
 */
export function inlineCommands(text) {
  const commands = [];
  const lines = text.split('\n');
  let fence = null;
  let prose = [];
  const flush = () => {
    const joined = prose.map((p) => p.text).join('\n');
    for (const m of joined.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) {
      const command = m[2].replace(/\\\|/g, '|').replace(/\s+/g, ' ').trim();
      if (!COMMAND_START.test(command)) continue;
      const before = joined.slice(0, m.index).split('\n').length - 1;
      commands.push({ line: prose[before].line, command, template: PLACEHOLDER.test(command) });
    }
    prose = [];
  };
  lines.forEach((raw, i) => {
    const open = /^(```+)/.exec(raw);
    if (fence === null && open) {
      flush();
      fence = open[1];
    } else if (fence !== null) {
      if (raw.trim() === fence) fence = null;
    } else if (raw.trim() === '') {
      flush();
    } else {
      prose.push({ line: i + 1, text: raw });
    }
  });
  flush();
  return commands;
}

/** Every inline command of every documentation file, each named `file:line`. */
export function documentationInlineCommands(root) {
  return documentationFiles(root).flatMap((file) =>
    inlineCommands(readFileSync(join(root, file), 'utf8')).map((c) => ({ ...c, file, name: `${file}:${c.line}` })),
  );
}
