/*
 * Waiting on the device without spinning the main thread. Under Node, Dawn's binding (the `webgpu` package)
 * settles a pending promise (mapAsync, createComputePipelineAsync) by re-arming the global `setImmediate`
 * until the device is done: about 13,000 calls during one 0.7 s readback on lavapipe, each a new Immediate
 * for the garbage collector, and a core kept busy that a software adapter needs for its shader threads.
 *
 * While a wait is pending, the global `setImmediate` is one that runs callbacks as usual for the first
 * FULL_SPEED_MS of the wait (a real GPU's readback lands within that, so it pays nothing) and after a
 * SLOW_POLL_MS timer from then on, which bounds the added latency to SLOW_POLL_MS. Other code that calls
 * setImmediate meanwhile is deferred the same way (still in order, still asynchronous), and its
 * clearImmediate still cancels. The originals are back as soon as no wait is pending. Where the runtime has
 * no setImmediate (a browser, whose WebGPU needs no polling) nothing is replaced.
 */

const FULL_SPEED_MS = 4;
const SLOW_POLL_MS = 1;

type SetImmediate = (callback: (...args: unknown[]) => void, ...args: unknown[]) => unknown;
type ClearImmediate = (handle: unknown) => void;

const host = globalThis as unknown as { setImmediate?: SetImmediate; clearImmediate?: ClearImmediate };

let pending = 0;
let waitStart = 0;
let originals: { set: SetImmediate; clear: ClearImmediate } | null = null;
/** Timers standing in for Immediates, so that clearImmediate knows to cancel them as timers. */
const deferred = new WeakSet<object>();

function throttledSetImmediate(callback: (...args: unknown[]) => void, ...args: unknown[]): unknown {
  const { set } = originals!;
  if (performance.now() - waitStart < FULL_SPEED_MS) return set(callback, ...args);
  const timer = setTimeout(callback, SLOW_POLL_MS, ...args);
  deferred.add(timer);
  return timer;
}

function throttledClearImmediate(handle: unknown): void {
  if (typeof handle === 'object' && handle !== null && deferred.has(handle)) clearTimeout(handle as ReturnType<typeof setTimeout>);
  else originals!.clear(handle);
}

function begin(): void {
  if (pending++ > 0) return;
  waitStart = performance.now();
  if (!host.setImmediate || !host.clearImmediate) return;
  originals = { set: host.setImmediate, clear: host.clearImmediate };
  host.setImmediate = throttledSetImmediate;
  host.clearImmediate = throttledClearImmediate;
}

function end(): void {
  if (--pending > 0 || !originals) return;
  // Put back only what is still ours: whatever replaced the globals since (fake timers, say) stays.
  if (host.setImmediate === throttledSetImmediate) host.setImmediate = originals.set;
  if (host.clearImmediate === throttledClearImmediate) host.clearImmediate = originals.clear;
  originals = null;
}

/** Awaits the device work `start` begins (a mapAsync, a pipeline build) with Dawn's polling throttled. */
export async function deviceWait<T>(start: () => Promise<T>): Promise<T> {
  begin();
  try {
    return await start();
  } finally {
    end();
  }
}
