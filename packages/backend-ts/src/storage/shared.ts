/*
 * Memory the worker threads can see. A Float32Array over a SharedArrayBuffer is passed to a worker by
 * reference (postMessage shares it); over an ordinary ArrayBuffer it would be copied and the worker's writes
 * lost. Kernel outputs are allocated shared so the next kernel can hand them to workers without a copy.
 */

/*
 * Storage reuse. Kernel outputs are megabytes each and live for one training step. A fresh buffer costs a page
 * fault per 4 KiB on first touch plus garbage-collector work (measured ~8 % of a LeNet-BN step); a disposed
 * one, zeroed again, costs one memset. The backend hands a disposed tensor's storage to `recycle` when no
 * other live handle shares it; storage that an unfinished threaded call still uses is held back until the
 * call ends (`pin`).
 */
/*
 * A page that is not cross-origin isolated has no SharedArrayBuffer; the pool then runs on the calling thread
 * only (threads/spawn-web.ts), nothing is shared, and storage falls back to ordinary ArrayBuffers.
 */
const Shareable: typeof SharedArrayBuffer = globalThis.SharedArrayBuffer ?? (ArrayBuffer as unknown as typeof SharedArrayBuffer);
/** Without shared memory, the ordinary buffers allocated here: only those may be recycled (not a caller's). */
const fallbackBuffers: WeakSet<ArrayBufferLike> | null = globalThis.SharedArrayBuffer ? null : new WeakSet();

function allocate(length: number): Float32Array {
  const buffer = new Shareable(length * Float32Array.BYTES_PER_ELEMENT);
  fallbackBuffers?.add(buffer);
  return new Float32Array(buffer);
}

/** Storage this module may recycle: shared memory, or (without it) a buffer it allocated itself. */
const recyclable = (buffer: ArrayBufferLike): buffer is SharedArrayBuffer =>
  buffer instanceof Shareable && (fallbackBuffers === null || fallbackBuffers.has(buffer));

const FREE_BYTES_LIMIT = 64 * 1024 * 1024;
const free = new Map<number, SharedArrayBuffer[]>();
let freeBytes = 0;
const pins = new Map<SharedArrayBuffer, number>();
const heldBack = new Set<SharedArrayBuffer>();

/** A zero-filled float32 array in shared memory, on recycled storage when some of that size is free. */
export function sharedFloat32(length: number): Float32Array {
  const reused = takeFree(length);
  return reused ? reused.fill(0) : allocate(length);
}

/**
 * Like `sharedFloat32` but recycled storage keeps its old contents: only for outputs the kernel overwrites
 * completely. Skipping the memset matters for memory-bound kernels (BatchNorm, activations), where zeroing
 * shared memory costs about an eighth of the kernel.
 */
export function sharedFloat32ForOverwrite(length: number): Float32Array {
  return takeFree(length) ?? allocate(length);
}

function takeFree(length: number): Float32Array | undefined {
  const bytes = length * Float32Array.BYTES_PER_ELEMENT;
  const reused = free.get(bytes)?.pop();
  if (!reused) return undefined;
  freeBytes -= bytes;
  return new Float32Array(reused);
}

function keep(buffer: SharedArrayBuffer): void {
  if (freeBytes + buffer.byteLength > FREE_BYTES_LIMIT) return;
  const list = free.get(buffer.byteLength);
  if (list) list.push(buffer);
  else free.set(buffer.byteLength, [buffer]);
  freeBytes += buffer.byteLength;
}

/** Takes back the storage of a disposed tensor that nothing else references (only whole shared buffers). */
export function recycle(a: Float32Array | Int32Array): void {
  const buffer = a.buffer;
  if (!recyclable(buffer) || a.byteOffset !== 0 || a.byteLength !== buffer.byteLength) return;
  if (pins.has(buffer)) heldBack.add(buffer);
  else keep(buffer);
}

/** Keeps the shared storage of `arrays` from reuse until the returned function is called. */
export function pin(arrays: readonly unknown[]): () => void {
  const buffers = arrays.flatMap((a) => (a instanceof Float32Array && a.buffer instanceof Shareable ? [a.buffer] : []));
  for (const b of buffers) pins.set(b, (pins.get(b) ?? 0) + 1);
  return () => {
    for (const b of buffers) {
      const n = (pins.get(b) ?? 1) - 1;
      if (n > 0) {
        pins.set(b, n);
        continue;
      }
      pins.delete(b);
      if (heldBack.delete(b)) keep(b);
    }
  };
}

/** `a` itself when it already lives in shared memory, else a shared copy (inputs made by other kernels). */
export function asShared(a: Float32Array): Float32Array {
  if (a.buffer instanceof Shareable) return a;
  const copy = sharedFloat32(a.length);
  copy.set(a);
  return copy;
}

/**
 * Sums per-thread partial results: `partials` holds equal slots of `slotSize` values, one per thread; returns
 * the sum over slots of the `length` values from `start` within each slot, in shared memory.
 */
export function sumSlots(partials: Float32Array, slotSize: number, start: number, length: number): Float32Array {
  const out = sharedFloat32(length);
  for (let i = 0; i < length; i++) {
    let s = 0;
    for (let o = start + i; o < partials.length; o += slotSize) s += partials[o];
    out[i] = s;
  }
  return out;
}
