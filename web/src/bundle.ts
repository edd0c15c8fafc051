import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/*
 * The pages' JavaScript, bundled by esbuild for the browser (no Node module may remain: the build fails on
 * one). backend-ts's Web Worker and its task table are separate bundles next to the pages' ones, because the
 * backend starts them by URL relative to the module that asks (threads/spawn-web.ts).
 */

/** The page entries, by output name. */
const PAGES = {
  conformance: fileURLToPath(new URL('../src/pages/conformance.ts', import.meta.url)),
  training: fileURLToPath(new URL('../src/pages/training.ts', import.meta.url)),
} as const;

/** What backend-ts loads by URL: output names fixed by spawn-web.ts ('./worker-web.js', './tasks.js'). */
const WORKER_ENTRIES = { 'worker-web': '@bnkit/backend-ts/worker-web', tasks: '@bnkit/backend-ts/tasks' } as const;

/**
 * Node modules required only on Node's side of a runtime check, in code a page never runs: gpu.js's webasm
 * worker pool requires worker_threads where `Worker` is not the browser's, and os inside a try. Left as they
 * are (a require that would throw), not bundled; nothing else may be unresolved.
 */
export const NODE_ONLY_BRANCHES = ['os', 'worker_threads'] as const;

export interface Bundles {
  /** Bytes of each output file, by name. */
  readonly sizes: Readonly<Record<string, number>>;
  /** Every import the outputs still make (esbuild's metafile): only NODE_ONLY_BRANCHES may appear. */
  readonly external: readonly string[];
}

/** Bundles `entryPoints` (output name → module) into `outDir` for the browser. */
export async function bundleForBrowser(entryPoints: Readonly<Record<string, string>>, outDir: string): Promise<Bundles> {
  const result = await build({
    entryPoints: { ...entryPoints },
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    // Not minified: gpu.js compiles the backend's helper functions from their source text and names
    // (kernels/gpu-functions.ts), which minifying would rename and rewrite.
    minify: false,
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    external: [...NODE_ONLY_BRANCHES],
    absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  });
  const outputs = Object.entries(result.metafile.outputs);
  return {
    sizes: Object.fromEntries(outputs.map(([file, out]) => [basename(file), out.bytes])),
    external: [...new Set(outputs.flatMap(([, out]) => out.imports.filter((i) => i.external).map((i) => i.path)))].sort(),
  };
}

/** The conformance and training pages' bundles and backend-ts's worker bundles, into `outDir`. */
export function bundlePages(outDir: string): Promise<Bundles> {
  return bundleForBrowser({ ...PAGES, ...WORKER_ENTRIES }, outDir);
}
