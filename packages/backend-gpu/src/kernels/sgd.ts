import { sizeOf, type Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { GpuTensor, own } from '../tensor.js';
import { kernelSource } from './source.js';

// The source has no shape in it, so one compiled kernel per size serves every caller.
const SGD = kernelSource(['p', 'g', 'lr'], 'const i = this.thread.x;\nreturn p[i] - lr * g[i];');

/*
 * An optimizer updates every parameter at once: nn's SGD starts all its sgd calls before it awaits any. On
 * webgpu the calls that start in the same turn of the event loop are collected and run as grouped kernels,
 * each updating as many parameters as one kernel can bind (two input arrays per parameter plus the one
 * output: three at WebGPU's default of 8 storage buffers) and writing them to aligned ranges of its output,
 * which are handed out as separate tensors (KernelContext.runSplit). LeNet-BN's 18 parameters take 6
 * dispatches instead of 18. A lone call, and every call on the host modes, runs the one-tensor kernel.
 */

interface Update {
  /** Second references to the caller's tensors: the caller may dispose its own as soon as the call starts. */
  readonly param: GpuTensor;
  readonly grad: GpuTensor;
  readonly lr: number;
  resolve(t: GpuTensor): void;
  reject(e: unknown): void;
}

const pending = new WeakMap<KernelContext, Update[]>();

export function sgd(ctx: KernelContext, i: { param: Tensor; grad: Tensor }, a: { lr: number }): Promise<GpuTensor> {
  const split = ctx.splitting;
  if (!split || groupCapacity(split.storageBuffers) < 2 || sizeOf(i.param.shape) === 0) {
    return ctx.run(SGD, i.param.shape, [i.param, i.grad, a.lr]);
  }
  const alias = (t: Tensor) => new GpuTensor(ctx.storage.share(own(t).storage), t.shape, t.dtype);
  return new Promise<GpuTensor>((resolve, reject) => {
    let queue = pending.get(ctx);
    if (!queue) {
      pending.set(ctx, (queue = []));
      queueMicrotask(() => {
        pending.delete(ctx);
        runQueued(ctx, queue!, split.alignment, groupCapacity(split.storageBuffers));
      });
    }
    queue.push({ param: alias(i.param), grad: alias(i.grad), lr: a.lr, resolve, reject });
  });
}

/** Parameters one kernel can update: two input arrays each, and one storage buffer for the output. */
function groupCapacity(storageBuffers: number): number {
  return Math.floor((storageBuffers - 1) / 2);
}

function runQueued(ctx: KernelContext, queue: readonly Update[], alignment: number, capacity: number): void {
  for (let start = 0; start < queue.length; start += capacity) {
    const group = queue.slice(start, start + capacity);
    void runGroup(ctx, group, alignment).then(
      (results) => group.forEach((u, k) => u.resolve(results[k])),
      (e: unknown) => group.forEach((u) => u.reject(e)),
    ).finally(() => {
      for (const u of group) for (const t of [u.param, u.grad]) ctx.storage.release(t.take()!);
    });
  }
}

async function runGroup(ctx: KernelContext, group: readonly Update[], alignment: number): Promise<GpuTensor[]> {
  if (group.length === 1) {
    const [u] = group;
    return [await ctx.run(SGD, u.param.shape, [u.param, u.grad, u.lr])];
  }
  // Part k starts at the first aligned element after part k − 1; the threads in between write 0.
  const offsets: number[] = [];
  let end = 0;
  for (const u of group) {
    const offset = Math.ceil(end / alignment) * alignment;
    offsets.push(offset);
    end = offset + u.param.size;
  }
  const params = group.flatMap((_, k) => [`p${k}`, `g${k}`]);
  const body = group.map((u, k) => {
    const range = k === 0 ? `i < ${u.param.size}` : `i >= ${offsets[k]} && i < ${offsets[k] + u.param.size}`;
    return `if (${range}) {\nconst j${k} = i - ${offsets[k]};\nreturn p${k}[j${k}] - lr${k} * g${k}[j${k}];\n}`;
  });
  const source = kernelSource(
    [...params, ...group.map((_, k) => `lr${k}`)],
    `const i = this.thread.x;\n${body.join('\n')}\nreturn 0;`,
  );
  const args = [...group.flatMap((u) => [u.param, u.grad]), ...group.map((u) => u.lr)];
  return ctx.runSplit(source, end, args, group.map((u, k) => ({ offset: offsets[k], shape: u.param.shape })));
}
