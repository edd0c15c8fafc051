/*
 * Memory the worker threads can see. A Float32Array over a SharedArrayBuffer is passed to a worker by
 * reference (postMessage shares it); over an ordinary ArrayBuffer it would be copied and the worker's writes
 * lost. Kernel outputs are allocated shared so the next kernel can hand them to workers without a copy.
 */

export function isShared(a: Float32Array | Int32Array): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** A zero-filled float32 array in shared memory. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
}

/** `a` itself when it already lives in shared memory, else a shared copy (inputs made by other kernels). */
export function asShared(a: Float32Array): Float32Array {
  if (isShared(a)) return a;
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
