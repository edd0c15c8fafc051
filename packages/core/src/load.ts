import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backend, BackendFactory, BackendOptions } from './backend.js';
import { checked } from './checked.js';
import { UnknownBackendError } from './errors.js';

/** Short names of the backends shipped with bnkit and the packages that provide them. */
export const BUILTIN_BACKENDS: Readonly<Record<string, string>> = Object.freeze({
  ts: '@bnkit/backend-ts',
  gpu: '@bnkit/backend-gpu',
  tfjs: '@bnkit/backend-tfjs',
});

function looksLikePath(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || isAbsolute(spec) || /\.(m?js|cjs|ts)$/.test(spec);
}

/**
 * Loads a backend by short name (`ts`, `gpu`, `tfjs`), package name, or file path whose default export
 * (or `createBackend` export) creates it. Packages are resolved from `resolveFrom` (a file URL or path;
 * the caller's `import.meta.url`), file paths from the working directory.
 */
export async function loadBackend(spec: string, options: BackendOptions = {}, resolveFrom: string = import.meta.url): Promise<Backend> {
  const known = Object.keys(BUILTIN_BACKENDS).join(', ');
  if (!spec) throw new UnknownBackendError(`no backend given; available: ${known}, a package name, or a file path`);
  const specifier = BUILTIN_BACKENDS[spec] ?? spec;
  let url: string;
  try {
    url = looksLikePath(specifier)
      ? pathToFileURL(resolve(process.cwd(), specifier)).href
      : pathToFileURL(createRequire(resolveFrom).resolve(specifier)).href;
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
  const backend = await factory(options);
  if (!backend || typeof backend !== 'object' || typeof backend.upload !== 'function' || typeof backend.read !== 'function') {
    throw new UnknownBackendError(`backend module '${spec}' returned something that is not a bnkit backend (needs upload, read, dispose and the BatchNorm kernels)`);
  }
  return checked(backend);
}
