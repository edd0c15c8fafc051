import type { ExecutionCounters } from './counters.js';

/**
 * GPU buffers kept for reuse, keyed by byte size. A training step asks for the same sizes every time, so
 * after the first step every request is served from here and the step creates no buffer (creating one costs
 * an allocation and a lazy zero-fill on the device). Callers return a buffer only when no unsubmitted
 * command uses it any more (recorder.ts defers that).
 */
export class BufferPool {
  readonly #free = new Map<number, GPUBuffer[]>();
  readonly #ids = new WeakMap<GPUBuffer, number>();
  #nextId = 0;
  #all: GPUBuffer[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    private readonly counters: ExecutionCounters,
  ) {}

  /** A free buffer of `bytes`, one of `preferred` if any of them is free, else a new one. */
  acquire(bytes: number, preferred: readonly GPUBuffer[] = []): GPUBuffer {
    const free = this.#free.get(bytes);
    if (free) {
      for (const p of preferred) {
        const i = free.indexOf(p);
        if (i >= 0) return free.splice(i, 1)[0];
      }
      const reused = free.pop();
      if (reused) return reused;
    }
    const buffer = this.device.createBuffer({ size: bytes, usage: this.usage });
    this.counters.buffersCreated++;
    this.counters.bytesAllocated += bytes;
    this.#ids.set(buffer, this.#nextId++);
    this.#all.push(buffer);
    return buffer;
  }

  give(buffer: GPUBuffer): void {
    let list = this.#free.get(buffer.size);
    if (!list) this.#free.set(buffer.size, (list = []));
    list.push(buffer);
  }

  /** A small number naming the buffer, for cache keys (bind groups). */
  idOf(buffer: GPUBuffer): number {
    const id = this.#ids.get(buffer);
    if (id === undefined) throw new Error('buffer-pool: buffer was not created by this pool');
    return id;
  }

  /** Destroys every buffer this pool created, lent out or not (the backend is closing). */
  destroy(): void {
    for (const b of this.#all) b.destroy();
    this.#all = [];
    this.#free.clear();
  }
}
