import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TaskWorker, WorkerSetup } from './chunks.js';

/** Where the backend runs, for its device description. */
export const RUNTIME = `Node ${process.version}`;

/** Default thread count: every core, at most 4 (the kernels' batch splits stop paying beyond that). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/** Node can always share memory between threads. */
export function sharedMemoryProblem(): string | null {
  return null;
}

/** A worker thread running worker-node.js. */
export function spawnWorker(setup: WorkerSetup): TaskWorker {
  const worker = new Worker(new URL('./worker-node.js', import.meta.url), { workerData: setup });
  return {
    post: (m) => worker.postMessage(m),
    listen(onMessage, onGone) {
      worker.on('message', onMessage);
      worker.on('error', onGone);
      worker.on('exit', (code) => onGone(new Error(`@bnkit/backend-ts worker exited (code ${code})`)));
    },
    hold: () => worker.ref(),
    release: () => worker.unref(),
    // An unref'd worker does not keep the event loop alive, not even for its own termination, so it is ref'd
    // first: otherwise awaiting close() could end the process with the promise unsettled (exit code 13).
    async terminate() {
      worker.ref();
      await worker.terminate();
    },
  };
}
