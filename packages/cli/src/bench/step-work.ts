import { readFileSync } from 'node:fs';
import { median } from './timing.js';

/*
 * What one training step asks of a WebGPU device (through Dawn, the `webgpu` package) and of the host's
 * main thread. Counted by wrapping Dawn's prototypes in this process, so the figures are exact on any
 * adapter (software ones included) and the same for every backend that runs on Dawn here: bnkit's gpu
 * backend and bnkit's tfjs backend on webgpu alike.
 */

/** Per-step figures: the median over the timed steps. */
export interface StepWork {
  readonly dispatches: number;
  readonly submits: number;
  /** GPU buffers created during the step, and their bytes. */
  readonly newBuffers: number;
  readonly newBufferBytes: number;
  readonly writeBuffers: number;
  /**
   * Main-thread CPU milliseconds outside readback waits (while a `mapAsync` is pending, Dawn's binding
   * polls on the main thread; that time measures the device, not the host's work). null where the OS
   * gives no per-thread CPU time.
   */
  readonly mainThreadCpuMs: number | null;
}

type Counts = { dispatches: number; submits: number; newBuffers: number; newBufferBytes: number; writeBuffers: number; waitNs: number };

/** This thread's CPU time (ns) from Linux's schedstat; null elsewhere. */
function threadCpuNs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

interface DawnGlobals {
  GPUDevice: { prototype: Record<string, unknown> };
  GPUQueue: { prototype: Record<string, unknown> };
  GPUComputePassEncoder: { prototype: Record<string, unknown> };
  GPUBuffer: { prototype: Record<string, unknown> };
}

/** Counts Dawn calls while installed; one step at a time through `step`. */
export class DawnProbe {
  readonly #restore: (() => void)[] = [];
  readonly #samples: (Counts & { cpuNs: number | null })[] = [];
  #counts: Counts | null = null;
  #pendingMaps = 0;
  #waitStart: number | null = null;

  private constructor(g: DawnGlobals) {
    const patch = (proto: Record<string, unknown>, name: string, before: (...args: never[]) => void): void => {
      const original = proto[name] as (...args: unknown[]) => unknown;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        (before as (...a: unknown[]) => void)(...args);
        return original.apply(this, args);
      };
      this.#restore.push(() => {
        proto[name] = original;
      });
    };
    patch(g.GPUComputePassEncoder.prototype, 'dispatchWorkgroups', () => this.#bump('dispatches'));
    patch(g.GPUQueue.prototype, 'submit', () => this.#bump('submits'));
    patch(g.GPUQueue.prototype, 'writeBuffer', () => this.#bump('writeBuffers'));
    patch(g.GPUDevice.prototype, 'createBuffer', (d: { size: number }) => {
      this.#bump('newBuffers');
      this.#bump('newBufferBytes', d.size);
    });
    const mapAsync = g.GPUBuffer.prototype.mapAsync as (...args: unknown[]) => Promise<void>;
    const probe = this;
    g.GPUBuffer.prototype.mapAsync = function (this: unknown, ...args: unknown[]) {
      probe.#waitBegins();
      const p = mapAsync.apply(this, args);
      p.then(() => probe.#waitEnds(), () => probe.#waitEnds());
      return p;
    };
    this.#restore.push(() => {
      g.GPUBuffer.prototype.mapAsync = mapAsync;
    });
  }

  /** Installs on Dawn's globals, which exist once a backend has opened a WebGPU device; null when none has. */
  static install(): DawnProbe | null {
    const g = globalThis as unknown as Partial<DawnGlobals>;
    if (!g.GPUDevice || !g.GPUQueue || !g.GPUComputePassEncoder || !g.GPUBuffer) return null;
    return new DawnProbe(g as DawnGlobals);
  }

  /** `run` with every call counted as one step. */
  step<T>(run: () => Promise<T>): () => Promise<T> {
    return async () => {
      const counts: Counts = (this.#counts = { dispatches: 0, submits: 0, newBuffers: 0, newBufferBytes: 0, writeBuffers: 0, waitNs: 0 });
      const c0 = threadCpuNs();
      try {
        return await run();
      } finally {
        const c1 = threadCpuNs();
        this.#counts = null;
        this.#samples.push({ ...counts, cpuNs: c0 === null || c1 === null ? null : c1 - c0 - counts.waitNs });
      }
    };
  }

  /** Medians over the steps counted so far, leaving out the first `skip` (warm-up); null if none is left. */
  summary(skip: number): StepWork | null {
    const s = this.#samples.slice(skip);
    if (s.length === 0) return null;
    const m = (f: (x: (typeof s)[number]) => number): number => median(s.map(f));
    const cpu = s.every((x) => x.cpuNs !== null) ? m((x) => x.cpuNs!) / 1e6 : null;
    return {
      dispatches: m((x) => x.dispatches),
      submits: m((x) => x.submits),
      newBuffers: m((x) => x.newBuffers),
      newBufferBytes: m((x) => x.newBufferBytes),
      writeBuffers: m((x) => x.writeBuffers),
      mainThreadCpuMs: cpu,
    };
  }

  uninstall(): void {
    for (const r of this.#restore.splice(0).reverse()) r();
  }

  #bump(k: keyof Counts, n = 1): void {
    if (this.#counts) this.#counts[k] += n;
  }

  // Overlapping readbacks count once: the wait runs from the first pending map to the last settled one.
  #waitBegins(): void {
    if (this.#pendingMaps++ === 0) this.#waitStart = threadCpuNs();
  }

  #waitEnds(): void {
    if (--this.#pendingMaps > 0) return;
    const end = threadCpuNs();
    if (this.#counts && this.#waitStart !== null && end !== null) this.#counts.waitNs += end - this.#waitStart;
    this.#waitStart = null;
  }
}

export function formatStepWork(w: StepWork): string {
  const mb = (w.newBufferBytes / 2 ** 20).toFixed(w.newBufferBytes >= 2 ** 20 ? 1 : 3);
  const cpu = w.mainThreadCpuMs === null ? 'main-thread CPU not reported by this OS' : `${w.mainThreadCpuMs.toFixed(1)} ms main-thread CPU outside readback waits`;
  return `per step on the device: ${w.dispatches} dispatches, ${w.submits} queue submits, ${w.newBuffers} new GPU buffers (${mb} MB), ` +
    `${w.writeBuffers} writeBuffer calls; ${cpu}`;
}
