import type { ExecutionCounters } from './counters.js';

/**
 * Per-dispatch params (sizes, scalar arguments) in slots of one uniform buffer, bound with a dynamic offset.
 * Slots are filled in a host mirror while a flush is recorded and written to the device with one
 * `writeBuffer` right before that flush's submit; the queue orders that write after every earlier submit,
 * so the next flush may refill the same slots.
 */
export class UniformRing {
  readonly buffer: GPUBuffer;
  readonly #mirror: ArrayBuffer;
  /** Views of the host mirror: a slot at byte offset `o` starts at word `o / 4`. */
  readonly u32: Uint32Array;
  readonly f32: Float32Array;
  readonly #align: number;
  #used = 0;

  constructor(
    private readonly device: GPUDevice,
    readonly bytes: number,
    private readonly counters: ExecutionCounters,
  ) {
    this.#align = device.limits.minUniformBufferOffsetAlignment;
    this.buffer = device.createBuffer({ size: bytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    counters.buffersCreated++;
    counters.bytesAllocated += bytes;
    this.#mirror = new ArrayBuffer(bytes);
    this.u32 = new Uint32Array(this.#mirror);
    this.f32 = new Float32Array(this.#mirror);
  }

  /** Reserves a zeroed slot of `size` bytes and returns its byte offset; -1 when the ring is full (flush first). */
  take(size: number): number {
    const offset = Math.ceil(this.#used / this.#align) * this.#align;
    if (offset + size > this.bytes) return -1;
    this.#used = offset + size;
    this.u32.fill(0, offset / 4, (offset + size) / 4);
    return offset;
  }

  /** Writes the filled slots to the device and starts over. */
  upload(): void {
    if (this.#used === 0) return;
    this.device.queue.writeBuffer(this.buffer, 0, this.#mirror, 0, Math.ceil(this.#used / 4) * 4);
    this.counters.writeBuffers++;
    this.#used = 0;
  }

  destroy(): void {
    this.buffer.destroy();
  }
}
