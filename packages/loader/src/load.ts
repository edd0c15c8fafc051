import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnknownBackendError, checked, type Backend, type BackendFactory, type BackendOptions } from '@bnkit/core';

/*
 * The Node-only half of the contract: finding a backend module on disk. It lives outside @bnkit/core so the
 * contract itself bundles for a browser; backends are never dependencies of this package, they are found by
 * dynamic import resolved from the caller's location.
 */

/** Without a caller's location, packages resolve from the working directory (this package knows no backend). */
const workingDirectory = (): string => pathToFileURL(join(process.cwd(), 'caller.js')).href;

/** Short names of the backends shipped with bnkit and the packages that provide them. */
export const BUILTIN_BACKENDS: Readonly<Record<string, string>> = Object.freeze({
  ts: '@bnkit/backend-ts',
  gpu: '@bnkit/backend-gpu',
  tfjs: '@bnkit/backend-tfjs',
});

function looksLikePath(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || isAbsolute(spec) || /\.(m?js|cjs|ts)$/.test(spec);
}

/** The file an `import` of a package resolves to, from one `exports` target (string or condition map). */
function importTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (!target || typeof target !== 'object') return undefined;
  const conditions = target as Record<string, unknown>;
  for (const key of ['import', 'node', 'default']) {
    const found = key in conditions ? importTarget(conditions[key]) : undefined;
    if (found) return found;
  }
  return undefined;
}

/**
 * Entry file of an installed package as seen from `resolveFrom`, the way an ES module import finds it.
 * Node 20's `require.resolve` rejects packages whose exports map has only an `import` condition (most
 * ESM-only packages, third-party backends among them), so for those the package.json is read directly.
 */
function resolvePackage(specifier: string, resolveFrom: string): string {
  const require = createRequire(resolveFrom);
  try {
    return require.resolve(specifier);
  } catch (error) {
    for (const dir of require.resolve.paths(specifier) ?? []) {
      const manifest = join(dir, specifier, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const exportsMap = pkg.exports as Record<string, unknown> | string | undefined;
      const root = exportsMap && typeof exportsMap === 'object' && '.' in exportsMap ? exportsMap['.'] : exportsMap;
      return join(dir, specifier, importTarget(root) ?? pkg.main ?? 'index.js');
    }
    throw error;
  }
}

/**
 * Resolves a backend by short name (`ts`, `gpu`, `tfjs`), package name, or file path whose default export
 * (or `createBackend` export) creates it, and returns that factory. Packages are resolved from
 * `resolveFrom` (a file URL or path; the caller's `import.meta.url`, default the working directory), file paths from the working
 * directory. The factory's result is checked to be a backend but returned as the module made it, not
 * wrapped in `checked()`: the conformance suite judges a backend as its author ships it.
 */
export async function loadBackendFactory(spec: string, resolveFrom: string = workingDirectory()): Promise<BackendFactory> {
  const known = Object.keys(BUILTIN_BACKENDS).join(', ');
  if (!spec) throw new UnknownBackendError(`no backend given; available: ${known}, a package name, or a file path`);
  const specifier = BUILTIN_BACKENDS[spec] ?? spec;
  let url: string;
  try {
    url = looksLikePath(specifier)
      ? pathToFileURL(resolve(process.cwd(), specifier)).href
      : pathToFileURL(resolvePackage(specifier, resolveFrom)).href;
  } catch {
    throw new UnknownBackendError(
      `unknown backend '${spec}': not a built-in name (${known}), not an installed package, not an existing file`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new UnknownBackendError(`backend '${spec}' could not be loaded from ${url}: ${why}`);
  }
  const factory = (typeof mod.default === 'function' ? mod.default : mod.createBackend) as BackendFactory | undefined;
  if (typeof factory !== 'function') {
    throw new UnknownBackendError(`backend module '${spec}' has no default export (or createBackend export) that creates a backend`);
  }
  return async (options) => {
    const backend = await factory(options);
    if (!backend || typeof backend !== 'object' || typeof backend.upload !== 'function' || typeof backend.read !== 'function') {
      throw new UnknownBackendError(`backend module '${spec}' returned something that is not a bnkit backend (needs upload, read, dispose and the BatchNorm kernels)`);
    }
    return backend;
  };
}

/** Loads a backend (see `loadBackendFactory`), creates it with `options` and returns it wrapped in `checked()`. */
export async function loadBackend(spec: string, options: BackendOptions = {}, resolveFrom: string = workingDirectory()): Promise<Backend> {
  const factory = await loadBackendFactory(spec, resolveFrom);
  return checked(await factory(options));
}
