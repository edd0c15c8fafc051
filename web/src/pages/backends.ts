import createTsBackend from '@bnkit/backend-ts';
import createGpuBackend from '@bnkit/backend-gpu';
import type { BackendFactory } from '@bnkit/core';

/**
 * The backends a page can run: `ts` and `gpu` bundled with it (gpu on the page's navigator.gpu), or an ES
 * module at a URL whose default export (or `createBackend`) is a backend factory, as for the CLI's
 * --backend=path. Under COEP a cross-origin module must be served with CORS.
 */
export async function backendFactory(spec: string): Promise<BackendFactory> {
  if (spec === 'ts') return createTsBackend as BackendFactory;
  if (spec === 'gpu') return createGpuBackend as BackendFactory;
  let url: URL;
  try {
    url = new URL(spec, location.href);
  } catch {
    throw new Error(`backend '${spec}' is neither ts, gpu nor a module URL`);
  }
  const module = (await import(/* module given by the user */ url.href)) as { default?: unknown; createBackend?: unknown };
  const factory = module.default ?? module.createBackend;
  if (typeof factory !== 'function') throw new Error(`${url.href} exports no backend factory (a default export or createBackend)`);
  return factory as BackendFactory;
}
