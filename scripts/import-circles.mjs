#!/usr/bin/env node
// Fails when a source file imports, directly or through others, a file that imports it back, within
// packages/*/src and conformance/src (type-only imports included: a circle is a reading problem before it is a
// runtime one), or when workspace packages depend on each other in a circle. Imports are read with
// TypeScript's own pre-processor, so no file is executed and nothing needs to be built first.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The TypeScript files under `dir`, recursively. */
function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(m|c)?ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a relative specifier names ('./x.js' is written for './x.ts' under NodeNext), or null. */
function resolveRelative(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.(m|c)?js$/, (ext) => ext.replace('js', 'ts')), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

/** Every cycle of `graph` (Map node → node[]), each once, as the list of its nodes (Tarjan's components). */
export function findCircles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const circles = [];
  const visit = (node) => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), indices.get(next)));
    }
    if (low.get(node) !== indices.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) circles.push(component.reverse());
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return circles;
}

/** File-level import graph of the source folders `dirs` (absolute), keyed by path relative to `root`. */
export function importGraph(root, dirs) {
  const graph = new Map();
  for (const file of dirs.flatMap(sourceFiles)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .filter((f) => f.fileName.startsWith('.'))
      .map((f) => resolveRelative(file, f.fileName))
      .filter((target) => target !== null)
      .map((target) => relative(root, target));
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** Package-level graph: each workspace package → the workspace packages it depends on (any kind). */
export function packageGraph(packageDirs) {
  const manifests = packageDirs.map((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')));
  const names = new Set(manifests.map((m) => m.name));
  return new Map(manifests.map((m) => [m.name, Object.keys({ ...m.dependencies, ...m.devDependencies, ...m.peerDependencies }).filter((d) => names.has(d))]));
}

/** The source folders and package folders of the bnkit workspace at `root`. */
export function workspace(root) {
  const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
  const packageDirs = [...packages, join(root, 'conformance'), join(root, 'fixtures')].filter((d) => existsSync(join(d, 'package.json')));
  const sourceDirs = [...packages.map((d) => join(d, 'src')), join(root, 'conformance', 'src')].filter((d) => existsSync(d));
  return { packageDirs, sourceDirs };
}

/** Every import circle of the workspace at `root`: file circles, then package circles. */
export function workspaceCircles(root) {
  const { packageDirs, sourceDirs } = workspace(root);
  return [...findCircles(importGraph(root, sourceDirs)), ...findCircles(packageGraph(packageDirs))];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const circles = workspaceCircles(root);
  for (const circle of circles) process.stderr.write(`import circle: ${[...circle, circle[0]].join(' -> ')}\n`);
  if (circles.length > 0) process.exit(1);
  process.stdout.write('no import circles in packages/*/src, conformance/src or between workspace packages\n');
}
