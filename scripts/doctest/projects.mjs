// The projects outside the workspace in which the doc test runs the samples, as a reader would: the
// packages packed to tarballs (`pnpm pack`, exactly what `pnpm publish` uploads) and installed with npm
// into fresh `npm init -y` projects.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every published package's directory, relative to the repository root. */
export const PUBLISHED = ['packages/*', 'conformance', 'fixtures'];

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: npmEnvironment() });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/** npm without its network-only extras, preferring what its cache already holds. */
export function npmEnvironment() {
  return { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };
}

/** Packs every published package into `dir`; returns a map from package name to tarball path. */
export function packTarballs(root, dir) {
  mkdirSync(dir, { recursive: true });
  run('pnpm', ['-r', ...PUBLISHED.flatMap((p) => ['--filter', `./${p}`]), 'pack', '--pack-destination', dir], root);
  const tarballs = new Map();
  for (const file of readdirSync(dir)) {
    const match = /^bnkit-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(file);
    if (match) tarballs.set(`@bnkit/${match[1]}`, join(dir, file));
  }
  return tarballs;
}

/** A fresh `npm init -y` project at `dir` (CommonJS, npm's default). */
export function freshProject(dir) {
  mkdirSync(dir, { recursive: true });
  run('npm', ['init', '-y'], dir);
  return dir;
}

/** Each published package's `@bnkit/*` dependencies, from the workspace manifests. */
export function workspaceDependencies(root) {
  const listed = spawnSync('pnpm', ['-r', ...PUBLISHED.flatMap((p) => ['--filter', `./${p}`]), 'exec', 'pwd'], { cwd: root, encoding: 'utf8' });
  const graph = new Map();
  for (const dir of listed.stdout.trim().split('\n')) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    graph.set(manifest.name, Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@bnkit/')));
  }
  return graph;
}

/**
 * A documented install command with each `@bnkit/<name>` replaced by its tarball, since the packages under
 * test are the packed ones, not whatever a registry holds; the tarballs of their `@bnkit` dependencies are
 * added, as a registry would supply them. Names that were not packed stay as written.
 */
export function withTarballs(command, tarballs, dependencies) {
  const named = command.match(/@bnkit\/[a-z0-9-]+/g) ?? [];
  const needed = new Set();
  const visit = (name) => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const d of dependencies.get(name) ?? []) visit(d);
  };
  named.forEach(visit);
  const extra = [...needed].filter((name) => !named.includes(name) && tarballs.has(name)).map((name) => tarballs.get(name));
  const replaced = command.replace(/@bnkit\/[a-z0-9-]+/g, (name) => tarballs.get(name) ?? name);
  return extra.length > 0 ? `${replaced} ${extra.join(' ')}` : replaced;
}

/** Installed size of a project's node_modules in bytes (`du`, so shared blocks count once). */
export function installedBytes(dir) {
  return Number(run('du', ['-sb', join(dir, 'node_modules')], dir).split('\t')[0]);
}
