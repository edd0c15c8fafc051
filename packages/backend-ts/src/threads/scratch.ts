/*
 * Per-thread scratch buffers (packed panels, patch matrices), reused across calls so the hot loops never
 * allocate. Each thread (the main one and every worker) has its own module instance, hence its own buffers.
 * A buffer is only used synchronously inside one task, so reuse across calls is safe. Contents are
 * undefined on return: every user writes the whole range it reads.
 */
const buffers = new Map<string, Float32Array>();

export function scratch(name: string, length: number): Float32Array {
  let b = buffers.get(name);
  if (!b || b.length < length) {
    b = new Float32Array(length);
    buffers.set(name, b);
  }
  return b;
}
