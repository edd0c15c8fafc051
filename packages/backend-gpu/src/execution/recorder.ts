import { DeviceUnavailableError } from '@bnkit/core';
import type { WebGPUContextValue } from '../gpujs.js';
import { BufferPool } from './buffer-pool.js';
import { zeroCounters, type ExecutionCounters } from './counters.js';
import { deviceWait } from './device-wait.js';
import type { CompiledKernel } from './pipeline.js';
import { UniformRing } from './uniform-ring.js';

/**
 * A pooled storage buffer and how many DeviceBuffers lie in it: one, or the parts of a grouped kernel's
 * output (see Recorder.split). It goes back to the pool when the last of them is released.
 */
class Block {
  parts = 1;
  /** The flush that last recorded a command touching this buffer (see Recorder.release). */
  recordedIn = -1;
  constructor(readonly buffer: GPUBuffer) {}
}

/**
 * Tensor data on the device: `length` floats from byte `offset` of a pooled storage buffer, refcounted
 * across shared handles.
 */
export class DeviceBuffer {
  refs = 1;
  constructor(
    readonly block: Block,
    readonly length: number,
    readonly offset = 0,
  ) {}

  get buffer(): GPUBuffer {
    return this.block.buffer;
  }

  /** The binding of this range; WebGPU wants at least 4 bytes, so an empty tensor binds one spare word. */
  get binding(): GPUBufferBinding {
    return { buffer: this.block.buffer, offset: this.offset, size: Math.max(this.length * 4, 4) };
  }
}

/**
 * Dispatches recorded before a submit is forced. A real GPU starts on a submitted batch while the host
 * records the next, so a very long sequence without a read is cut into batches of this many.
 */
export const MAX_DISPATCHES_PER_FLUSH = 256;
/** Params ring: one slot per recorded dispatch (a slot is ≤ 256 bytes at the usual 256-byte alignment). */
const RING_BYTES = MAX_DISPATCHES_PER_FLUSH * 256;
/** Distinct (kernel, buffers) bind groups kept; past this the cache starts over (a step needs ~150-300). */
const MAX_BIND_GROUPS = 4096;

/**
 * Executes gpu.js-compiled kernels on one device: every dispatch goes into one open compute pass of one
 * command encoder, and the encoder is submitted only when a value is read, the backend closes, or
 * MAX_DISPATCHES_PER_FLUSH dispatches are pending. Dispatches in a pass run in order with memory visible
 * between them (WebGPU's usage scopes), so dependent kernels need no submit in between.
 */
export class Recorder {
  readonly counters: ExecutionCounters = zeroCounters();
  readonly #device: GPUDevice;
  readonly #storage: BufferPool;
  readonly #staging: BufferPool;
  readonly #ring: UniformRing;
  readonly #bindGroups = new Map<string, GPUBindGroup>();
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #lastPipeline: GPUComputePipeline | null = null;
  #recorded = 0;
  /** Counts flushes; a buffer with recordedIn === #epoch is used by the open, unsubmitted encoder. */
  #epoch = 0;
  /** Storage released while the open encoder still uses it: back to the pool once that encoder is submitted. */
  #deferred: GPUBuffer[] = [];
  /** Dispatches of each kernel in the open flush, naming its call sites: the k-th sgd of a flush, say. */
  readonly #uses = new Map<number, number>();
  /** The last two output buffers of each call site (outputs alternate when a step replaces its inputs). */
  readonly #siteOutputs = new Map<string, GPUBuffer[]>();

  get device(): GPUDevice {
    return this.#device;
  }

  constructor(private readonly context: WebGPUContextValue) {
    this.#device = context.device;
    this.#storage = new BufferPool(this.#device, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, this.counters);
    this.#staging = new BufferPool(this.#device, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, this.counters);
    this.#ring = new UniformRing(this.#device, RING_BYTES, this.counters);
  }

  /** Device storage for `values` (a pooled buffer filled by one writeBuffer, ordered before later submits). */
  upload(values: Float32Array): DeviceBuffer {
    const b = this.#allocate(values.length);
    if (values.length > 0) {
      this.#device.queue.writeBuffer(b.buffer, 0, values);
      this.counters.writeBuffers++;
    }
    return b;
  }

  /**
   * Drops one reference. A buffer whose last reference goes while an unsubmitted command still uses it is
   * held until that command is submitted: handing it out earlier would let an upload (a queue write, which
   * runs before the pending submit) overwrite what the recorded command has yet to read.
   */
  release(b: DeviceBuffer): void {
    if (--b.refs > 0 || --b.block.parts > 0) return;
    if (b.block.recordedIn === this.#epoch) this.#deferred.push(b.buffer);
    else this.#storage.give(b.buffer);
  }

  /**
   * The ranges of `whole` (a dispatch's output) as separate storage: part k holds `parts[k].length` floats
   * from element `parts[k].offset`, which must be a multiple of `storageOffsetAlignment` / 4 (bindings
   * start on that alignment). Takes over `whole`'s reference; the buffer returns to the pool once every
   * part is released.
   */
  split(whole: DeviceBuffer, parts: readonly { readonly offset: number; readonly length: number }[]): DeviceBuffer[] {
    const align = this.storageOffsetAlignment / 4;
    for (const p of parts) {
      if (p.offset % align !== 0 || p.offset + p.length > whole.length) {
        throw new Error(`recorder.split: part [${p.offset}, +${p.length}) is not an aligned range of ${whole.length} floats`);
      }
    }
    whole.block.parts += parts.length;
    const views = parts.map((p) => new DeviceBuffer(whole.block, p.length, whole.offset + p.offset * 4));
    this.release(whole);
    return views;
  }

  /** Bytes a storage binding's offset must be a multiple of. */
  get storageOffsetAlignment(): number {
    return this.#device.limits.minStorageBufferOffsetAlignment;
  }

  /** Storage buffers one kernel may bind (its array arguments and its output). */
  get storageBuffersPerKernel(): number {
    return this.#device.limits.maxStorageBuffersPerShaderStage;
  }

  /** Records one dispatch of `kernel` with one thread per output element; returns the output storage. */
  dispatch(kernel: CompiledKernel, args: readonly (DeviceBuffer | number)[], size: number): DeviceBuffer {
    this.#checkDevice();
    const { program } = kernel;
    if (this.#recorded >= MAX_DISPATCHES_PER_FLUSH) this.flush();
    let slot = this.#ring.take(program.paramsBytes);
    if (slot < 0) {
      this.flush();
      slot = this.#ring.take(program.paramsBytes);
    }
    const out = this.#output(kernel, size);
    const w = slot / 4;
    const { u32, f32 } = this.#ring;
    const maxGroups = this.#device.limits.maxComputeWorkgroupsPerDimension;
    // gpu.js's 1-D kernels fold a dispatch wider than the per-dimension limit across y and rebuild the flat
    // index as gid.x + gid.y * dispatchWidth.
    let groupsX = Math.ceil(size / program.workgroupWidth);
    const groupsY = Math.ceil(groupsX / maxGroups);
    groupsX = Math.ceil(groupsX / groupsY);
    u32[w] = size;
    u32[w + 1] = 1;
    u32[w + 2] = 1;
    u32[w + 3] = groupsX * program.workgroupWidth;
    let key = `${kernel.id}`;
    for (const { argument, word } of program.arrayDims) {
      const input = args[argument] as DeviceBuffer;
      u32[w + word] = input.length;
      u32[w + word + 1] = 1;
      u32[w + word + 2] = 1;
      u32[w + word + 3] = input.length;
      input.block.recordedIn = this.#epoch;
      key += `,${this.#storage.idOf(input.buffer)}@${input.offset}`;
    }
    for (const { argument, word } of program.scalars) f32[w + word] = args[argument] as number;
    out.block.recordedIn = this.#epoch;
    key += `>${this.#storage.idOf(out.buffer)}`;
    const group = this.#bindGroups.get(key) ?? this.#bindGroup(kernel, args, out, key);
    const pass = this.#openPass();
    if (this.#lastPipeline !== kernel.pipeline) {
      pass.setPipeline(kernel.pipeline);
      this.#lastPipeline = kernel.pipeline;
    }
    pass.setBindGroup(0, group, [slot]);
    pass.dispatchWorkgroups(groupsX, groupsY);
    this.#recorded++;
    this.counters.dispatches++;
    return out;
  }

  /**
   * Submits what is recorded (after `copy` adds its commands to the same encoder): one params write, one
   * submit. Storage released meanwhile goes back to the pool.
   */
  flush(copy?: (encoder: GPUCommandEncoder) => void): void {
    if (!this.#encoder && !copy) return;
    const encoder = this.#encoder ?? this.#device.createCommandEncoder();
    this.#pass?.end();
    copy?.(encoder);
    this.#ring.upload();
    this.#device.queue.submit([encoder.finish()]);
    this.counters.submits++;
    this.#encoder = null;
    this.#pass = null;
    this.#lastPipeline = null;
    this.#recorded = 0;
    this.#uses.clear();
    this.#epoch++;
    for (const b of this.#deferred) this.#storage.give(b);
    this.#deferred = [];
  }

  /** Submits everything recorded together with a copy of `b` to a staging buffer, then maps that. */
  async read(b: DeviceBuffer): Promise<Float32Array> {
    this.#checkDevice();
    if (b.length === 0) return new Float32Array(0);
    const bytes = b.length * 4;
    const staging = this.#staging.acquire(bytes);
    this.flush((encoder) => encoder.copyBufferToBuffer(b.buffer, b.offset, staging, 0, bytes));
    await deviceWait(() => staging.mapAsync(GPUMapMode.READ, 0, bytes));
    const values = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    this.#staging.give(staging);
    return values;
  }

  /** Submits what is pending and destroys every buffer (the backend is closing). */
  close(): void {
    if (!this.context.isLost) this.flush();
    this.#bindGroups.clear();
    this.#storage.destroy();
    this.#staging.destroy();
    this.#ring.destroy();
  }

  #bindGroup(kernel: CompiledKernel, args: readonly (DeviceBuffer | number)[], out: DeviceBuffer, key: string): GPUBindGroup {
    const { program } = kernel;
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.#ring.buffer, size: program.paramsBytes } }];
    program.arrayDims.forEach(({ argument }, i) => entries.push({ binding: 1 + i, resource: (args[argument] as DeviceBuffer).binding }));
    entries.push({ binding: 1 + program.arrayDims.length, resource: out.binding });
    if (this.#bindGroups.size >= MAX_BIND_GROUPS) this.#bindGroups.clear();
    const group = this.#device.createBindGroup({ layout: kernel.layout, entries });
    this.#bindGroups.set(key, group);
    return group;
  }

  /**
   * A training step records the same dispatches every time. Giving each call site the buffer it had in an
   * earlier step, when that one is free, makes the step's buffers, and so its bind groups, repeat: the
   * cache then serves every dispatch instead of creating a bind group for a new buffer combination.
   */
  #output(kernel: CompiledKernel, length: number): DeviceBuffer {
    const use = this.#uses.get(kernel.id) ?? 0;
    this.#uses.set(kernel.id, use + 1);
    const site = `${kernel.id}:${use}`;
    const last = this.#siteOutputs.get(site) ?? [];
    const buffer = this.#storage.acquire(Math.max(length * 4, 4), last);
    if (last[0] !== buffer) this.#siteOutputs.set(site, [buffer, ...last.slice(0, 1)]);
    return new DeviceBuffer(new Block(buffer), length);
  }

  #allocate(length: number): DeviceBuffer {
    // WebGPU buffers must be at least 4 bytes; an empty tensor gets one spare word.
    return new DeviceBuffer(new Block(this.#storage.acquire(Math.max(length * 4, 4))), length);
  }

  #openPass(): GPUComputePassEncoder {
    if (!this.#pass) {
      this.#encoder = this.#device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    return this.#pass;
  }

  #checkDevice(): void {
    // A lost device accepts commands and does nothing, so results would silently be stale or zero.
    if (this.context.isLost) throw new DeviceUnavailableError('gpu backend: the WebGPU device was lost; close this backend and create a new one');
  }
}
