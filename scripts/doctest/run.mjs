#!/usr/bin/env node
// The doc test (`pnpm test:docs`): runs every code sample and command of every README and docs/*.md as a
// reader would copy it, and prints each with its status.
//
//  * Shell blocks: each command, verbatim. `npm` and `npx` lines are a reader's own project's, so
//    they run in a fresh `npm init -y` project outside the workspace, with `@bnkit/*` names installed from
//    the packed tarballs; every other command runs from the repository root, as the READMEs say.
//  * JavaScript / TypeScript blocks: written to a file in that project and run with node. A block whose first
//    line is `// <file>` (`// app.mjs`, `// dist/index.js`) is that file; TypeScript is stripped of its types
//    first (TypeScript's transpileModule), and every TypeScript sample is then type-checked as an ES module.
//  * JSON blocks are parsed; Python blocks run with python3 in the project; blocks without a language are
//    output or formulas, listed as text.
//  * Commands written inline, in a table or a sentence (`pnpm bench`), run the same way after the blocks; one
//    already run (in a block or inline elsewhere) is listed with that run's status instead of running twice,
//    and a template (`--backend=<name>`, `[DIR]`) is listed as text.
//
// The samples of conformance/README.md are a backend author's: they run in a second project, which gates the
// hand-written backend that README shows. The exceptions (exceptions.mjs) are listed with their reasons.
// BNKIT_DOCTEST_ONLY=<text>[,<text>...] runs only the samples whose name (`file:line`) or text contains one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXCEPTIONS } from './exceptions.mjs';
import { documentationBlocks, documentationInlineCommands, shellCommands } from './markdown.mjs';
import { freshProject, installedBytes, npmEnvironment, packTarballs, withTarballs, workspaceDependencies } from './projects.mjs';
import { releaseMismatches } from './release.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ts = createRequire(import.meta.url)('typescript');
const only = process.env.BNKIT_DOCTEST_ONLY;
/** Generous: the machine may be shared, and some samples train a model for a minute or two. */
const TIMEOUT_MS = 600_000;
/**
 * What the documented commands write inside the repository, removed first so every run starts fresh: a
 * checkpoint would be refused without --resume, and `pnpm experiment` would reuse its finished results.
 */
const COMMAND_OUTPUTS = ['out/run.ckpt', 'out/experiment', 'out/lr-sweep'];

const work = mkdtempSync(join(tmpdir(), 'bnkit-doctest-'));
const results = [];
const used = new Set();
/** Each command already dealt with (its trailing comment aside) → where and how: `{ name, status, note }`. */
const done = new Map();
const bare = (command) => command.replace(/\s+#.*$/, '').trim();

function record(name, kind, status, seconds, note = '') {
  results.push({ name, kind, status, seconds, note });
  process.stdout.write(`${status.padEnd(4)} ${name} (${kind})${note ? ` — ${note}` : ''}\n`);
}

/** Records a command's outcome and remembers it, so the same command met again is not run twice. */
function recordCommand(name, command, status, seconds, note = '') {
  record(name, `sh: ${command}`, status, seconds, note);
  if (!done.has(bare(command))) done.set(bare(command), { name, status, note });
}

/** The interpreter as the bench picks it: BNKIT_PYTHON, else python3 on PATH, else the system's; one that imports torch. */
let torchPython;
function pythonWithTorch() {
  torchPython ??= [process.env.BNKIT_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch']).status === 0) ?? null;
  return torchPython;
}

/** The exception for a shell command (`kind` 'command') or a code block ('block') of `file`, if any. */
function exceptionFor(file, kind, text) {
  const entry = EXCEPTIONS.find((e) => e.file === file && (kind === 'command' ? e.command === bare(text) : e.includes !== undefined && text.includes(e.includes)));
  if (entry) used.add(entry);
  return entry;
}

function execute(command, args, cwd, env = npmEnvironment()) {
  const started = Date.now();
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const seconds = (Date.now() - started) / 1000;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const ok = r.status === 0;
  if (!ok) {
    const why = r.error?.code === 'ETIMEDOUT' ? `timed out after ${TIMEOUT_MS / 1000} s` : `exit ${r.status ?? r.signal}`;
    process.stdout.write(`---- ${[command, ...args].join(' ')} (in ${cwd}): ${why}\n${output.slice(-6000)}\n----\n`);
  }
  return { ok, seconds, why: ok ? '' : r.error?.code === 'ETIMEDOUT' ? 'timed out' : `exit ${r.status ?? r.signal}` };
}

const selected = (name, text) => !only || only.split(',').some((part) => name.includes(part) || text.includes(part));

/** Where a sample's file goes: the name its first line gives, else one named after where it is documented. */
function sampleFile(block) {
  const named = /^\/\/ ([\w./-]+\.(?:m?[jt]s|c?js))\b/.exec(block.code);
  if (named) return named[1];
  const slug = block.name.replace(/\.md:/, '-').replace(/[^\w-]+/g, '-');
  return `samples/${slug}.${block.lang === 'ts' ? 'mts' : 'mjs'}`;
}

function runShell(block, project, tarballs, dependencies) {
  for (const { offset, command } of shellCommands(block.code)) {
    const name = `${block.file}:${block.line + 1 + offset}`;
    if (selected(name, command)) runCommand(name, block.file, command, project, tarballs, dependencies);
  }
}

/**
 * Runs one documented command as the reader would: `npm`/`npx` in the reader's project, `node FILE` where a
 * sample wrote FILE, `python3` with an interpreter that has torch (skipped where none has), anything else
 * from the repository root; an exception's `instead` runs in its place.
 */
function runCommand(name, file, command, project, tarballs, dependencies) {
  const exception = exceptionFor(file, 'command', command);
  // An exception with `requires` does not excuse the command: it runs wherever what it requires is present.
  const excused = exception !== undefined && exception.requires === undefined;
  if (excused && !exception.instead) return recordCommand(name, command, 'skip', 0, exception.reason);
  const run = (excused && exception.instead) || command;
  const python = pythonWithTorch();
  const isPython = /^python3 /.test(run);
  if (python === null && (isPython || exception?.requires === 'torch')) {
    return recordCommand(name, command, 'skip', 0, `no python3 here imports torch${exception?.requires === 'torch' ? `: ${exception.reason}` : ', which it needs'}`);
  }
  const nodeFile = /^node (\S+)/.exec(run)?.[1];
  const inProject = /^(npm|npx) /.test(run) || (nodeFile !== undefined && existsSync(join(project, nodeFile)));
  const line = isPython ? run.replace(/^python3/, python) : inProject ? withTarballs(run, tarballs, dependencies) : run;
  // A node script that shells out to python3 (the PyTorch exchange) gets the interpreter that has torch.
  const env = python ? { ...npmEnvironment(), PYTHON: python } : npmEnvironment();
  const r = execute('bash', ['-c', line], inProject ? project : root, env);
  recordCommand(name, command, r.ok ? 'ok' : 'FAIL', r.seconds, [excused ? `ran \`${run}\`: ${exception.reason}` : '', r.why].filter(Boolean).join('; '));
}

/** An inline command: run unless it is a template or was already dealt with under another name. */
function runInline(entry, project, tarballs, dependencies) {
  if (!selected(entry.name, entry.command)) return;
  if (entry.template) return record(entry.name, `sh: ${entry.command}`, 'text', 0, 'a template: its <…>, […] or … stand for the reader\'s choice');
  const earlier = done.get(bare(entry.command));
  if (earlier) return record(entry.name, `sh: ${entry.command}`, earlier.status, 0, `as ${earlier.name}${earlier.note ? `: ${earlier.note}` : ''}`);
  runCommand(entry.name, entry.file, entry.command, project, tarballs, dependencies);
}

const typeChecked = new Map();

function runScript(block, project) {
  const file = sampleFile(block);
  const path = join(project, file);
  mkdirSync(dirname(path), { recursive: true });
  let runnable = path;
  writeFileSync(path, block.code);
  if (block.lang === 'ts') {
    if (!typeChecked.has(project)) typeChecked.set(project, []);
    typeChecked.get(project).push(file);
    // What node runs: the same module with its types stripped, next to it as .mjs.
    const js = ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    runnable = path.replace(/\.m?ts$/, '.mjs');
    writeFileSync(runnable, js);
  }
  return execute(process.execPath, [runnable], project);
}

/** Type-checks a project's TypeScript samples as a reader's ES-module project would (NodeNext, strict). */
function typeCheck(project, files) {
  const tsconfig = {
    compilerOptions: {
      module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true,
      types: ['node'], typeRoots: [join(root, 'node_modules/@types')],
    },
    files,
  };
  writeFileSync(join(project, 'tsconfig.doctest.json'), JSON.stringify(tsconfig, null, 2));
  return execute(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.doctest.json'], project);
}

function runBlock(block, project, tarballs, dependencies) {
  if (['sh', 'bash', 'shell', 'console'].includes(block.lang)) return runShell(block, project, tarballs, dependencies);
  if (!selected(block.name, block.code)) return;
  const kind = block.lang || 'text';
  const exception = exceptionFor(block.file, 'block', block.code);
  if (exception) return record(block.name, kind, 'skip', 0, exception.reason);
  if (['js', 'mjs', 'ts'].includes(block.lang)) {
    const file = sampleFile(block);
    const r = runScript(block, project);
    const status = r.ok ? 'ok' : 'FAIL';
    // What ran is `node FILE` in the project, which is how the prose around a named sample says to run it.
    if (!/\.m?ts$/.test(file)) done.set(`node ${file}`, { name: block.name, status, note: `the ${kind} sample` });
    return record(block.name, kind, status, r.seconds, [`as ${file}`, r.why].filter(Boolean).join('; '));
  }
  if (block.lang === 'json') {
    try {
      JSON.parse(block.code);
      return record(block.name, kind, 'ok', 0, 'parses');
    } catch (error) {
      return record(block.name, kind, 'FAIL', 0, `not JSON: ${error.message}`);
    }
  }
  if (block.lang === 'python') {
    // PyTorch is optional in bnkit (the bench lists its anchors as skipped without it); so is this sample.
    const python = pythonWithTorch();
    if (!python) return record(block.name, kind, 'skip', 0, 'no python3 here imports torch (the sample loads the weights into PyTorch)');
    const path = join(project, `samples/${block.name.replace(/[^\w-]+/g, '-')}.py`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, block.code);
    const r = execute(python, [path], project);
    return record(block.name, kind, r.ok ? 'ok' : 'FAIL', r.seconds, r.why);
  }
  return record(block.name, kind, 'text', 0, 'output or formula, nothing to run');
}

// ------------------------------------------------------------------------------------------------ main
for (const output of COMMAND_OUTPUTS) rmSync(join(root, output), { recursive: true, force: true });
const blocks = documentationBlocks(root);
const inline = documentationInlineCommands(root);
process.stdout.write(`doc test: ${blocks.length} blocks and ${inline.length} inline commands in ${new Set(blocks.map((b) => b.file)).size} files; projects under ${work}\n`);
const started = Date.now();
const tarballs = packTarballs(root, join(work, 'tarballs'));
const dependencies = workspaceDependencies(root);
const app = freshProject(join(work, 'app'));
const backendProject = freshProject(join(work, 'my-backend'));
// The nn README's Python sample imports the PyTorch model helper by this path, relative to where it runs.
mkdirSync(join(app, 'packages/nn/test'), { recursive: true });
symlinkSync(join(root, 'packages/nn/test/pytorch'), join(app, 'packages/nn/test/pytorch'));

/** The backend author's samples (conformance/README.md) run in their own project, every other one in the app's. */
const projectFor = (file) => (file === 'conformance/README.md' ? backendProject : app);

let appComplete = false;
for (const block of blocks) {
  const project = projectFor(block.file);
  if (project === app && block.file !== 'README.md' && !appComplete) {
    // The root README's app is the newcomer's first project, installed as that README says; the packages'
    // own samples need the rest of the packages beside it.
    const rest = [...tarballs].filter(([name]) => name !== '@bnkit/cli').map(([, path]) => path);
    const r = execute('npm', ['install', ...rest], app);
    record('app project', 'setup: npm install every other package tarball', r.ok ? 'ok' : 'FAIL', r.seconds, r.why);
    appComplete = true;
  }
  runBlock(block, project, tarballs, dependencies);
}
for (const entry of inline) runInline(entry, projectFor(entry.file), tarballs, dependencies);
for (const [project, files] of typeChecked) {
  const r = typeCheck(project, files);
  record(`${project === app ? 'app' : 'my-backend'} project`, `tsc NodeNext: ${files.join(', ')}`, r.ok ? 'ok' : 'FAIL', r.seconds, r.why);
}
if (existsSync(join(backendProject, 'node_modules'))) {
  const mb = installedBytes(backendProject) / 1e6;
  record('my-backend project', 'installed size of node_modules', 'info', 0, `${mb.toFixed(1)} MB`);
}
if (!only) {
  for (const mismatch of releaseMismatches(root)) record(mismatch.where, 'release: version range', 'FAIL', 0, mismatch.message);
  for (const entry of EXCEPTIONS) {
    if (!used.has(entry)) record(entry.file, 'exception', 'FAIL', 0, `nothing matches ${JSON.stringify(entry.command ?? entry.includes)}: remove or update the exception`);
  }
}

const count = (status) => results.filter((r) => r.status === status).length;
process.stdout.write(`\n${'status'.padEnd(7)}${'seconds'.padStart(8)}  sample\n`);
for (const r of results) process.stdout.write(`${r.status.padEnd(7)}${r.seconds.toFixed(1).padStart(8)}  ${r.name}  ${r.kind}${r.note ? `  (${r.note})` : ''}\n`);
process.stdout.write(`\ndoc test: ${count('ok')} ok, ${count('FAIL')} failed, ${count('skip')} skipped with a reason, ${count('text')} text blocks, in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
if (count('FAIL') === 0) rmSync(work, { recursive: true, force: true });
else process.stdout.write(`the projects are kept for a look: ${work}\n`);
process.exit(count('FAIL') === 0 ? 0 : 1);
