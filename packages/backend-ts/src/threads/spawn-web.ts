import type { TaskWorker, WorkerSetup } from './chunks.js';

/*
 * Web Workers for a page (or any runtime without Node's worker_threads). Workers share the kernels' memory
 * only where SharedArrayBuffer exists, i.e. in a cross-origin isolated page (served with COOP/COEP headers);
 * elsewhere the backend runs on the page's thread. lib has no DOM types, so the few used are declared here.
 */
interface WebWorker {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message: string; preventDefault(): void }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}
interface WebGlobals {
  Worker?: new (url: URL, options: { type: 'module' }) => WebWorker;
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; userAgent?: string };
}
const web = globalThis as unknown as WebGlobals;

/** Where the backend runs, for its device description. */
export const RUNTIME = web.navigator?.userAgent ?? 'a JavaScript runtime without Node';

/** Why threads cannot share memory here, or null when they can. */
export function sharedMemoryProblem(): string | null {
  if (typeof globalThis.SharedArrayBuffer !== 'function') {
    return 'SharedArrayBuffer is unavailable (serve the page cross-origin isolated: Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof web.Worker !== 'function') return 'this runtime has no Web Workers';
  return null;
}

/** Default thread count: every core, at most 4, where memory can be shared; else the page's thread only. */
export function defaultThreads(): number {
  return sharedMemoryProblem() === null ? Math.max(1, Math.min(web.navigator?.hardwareConcurrency ?? 1, 4)) : 1;
}

/**
 * A module Web Worker running worker-web.js, found next to this module: in a bundle, next to the bundle
 * (emit @bnkit/backend-ts/worker-web and /tasks there as worker-web.js and tasks.js; README).
 */
export function spawnWorker(setup: WorkerSetup): TaskWorker {
  const worker = new (web.Worker as NonNullable<WebGlobals['Worker']>)(new URL('./worker-web.js', import.meta.url), { type: 'module' });
  worker.postMessage(setup);
  return {
    post: (m) => worker.postMessage(m),
    listen(onMessage, onGone) {
      worker.onmessage = (event) => onMessage(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        onGone(new Error(`@bnkit/backend-ts worker failed: ${event.message}`));
      };
    },
    hold: () => undefined,
    release: () => undefined,
    terminate: async () => worker.terminate(),
  };
}
