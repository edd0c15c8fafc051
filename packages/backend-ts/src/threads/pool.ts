import { InvalidArgumentError } from '@bnkit/core';
// Node's worker_threads or a page's Web Workers, by package.json's import conditions.
import { defaultThreads, sharedMemoryProblem, spawnWorker } from '#threads/spawn';
import { asShared, pin } from '../storage/shared.js';
import {
  CHUNKS_DONE, WORKER_READY, runChunk, runChunks, type TaskArgs, type TaskMessage, type TaskReply, type TaskTable,
  type TaskWorker,
} from './chunks.js';

export { defaultThreads };

/**
 * Below this estimated cost (in GEMM-FLOP equivalents, ~0.3 ms on one core) a task runs on the calling
 * thread only: a worker round trip costs tens of microseconds and the split would not pay.
 */
const MIN_PARALLEL_WORK = 2e6;

/**
 * A split call is cut into chunks of about this cost (~1 ms), at most MAX_CHUNKS, whatever the thread count:
 * small enough that a worker the OS schedules late costs little (the others take its share, and the caller
 * waits at most for one chunk), large enough that per-chunk setup and partial sums stay small. Independent
 * of the thread count, so results are bit-identical for every thread count.
 */
const CHUNK_WORK = 4e6;
const MAX_CHUNKS = 16;

interface Pending {
  resolve(): void;
  reject(e: Error): void;
}

/** One worker and the calls it has been sent but has not yet answered. */
class Lane {
  readonly pending = new Map<number, Pending>();
  /** Settles with the worker's first message: ready, or why it is not. */
  readonly ready: Promise<void>;
  /** Why the worker is gone (crash, exit); a message posted to it would never be answered. */
  #dead: Error | null = null;
  #closing = false;
  #started = false;
  constructor(readonly worker: TaskWorker) {
    worker.release();
    let started!: { resolve(): void; reject(e: Error): void };
    this.ready = new Promise<void>((resolve, reject) => (started = { resolve, reject }));
    worker.listen(
      (m) => {
        if (this.#started) this.#settle(m as TaskReply);
        else {
          this.#started = true;
          if (m === WORKER_READY) started.resolve();
          else started.reject(new Error(`@bnkit/backend-ts worker sent ${String(m)} before ready`));
        }
      },
      (e) => {
        if (!this.#started) started.reject(e);
        this.#failAll(e);
      },
    );
  }

  send(m: TaskMessage): Promise<void> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise<void>((resolve, reject) => {
      // Hold the event loop open while a call is out, so awaiting it cannot end the process early;
      // an idle worker is released and never keeps the process alive.
      if (this.pending.size === 0) this.worker.hold();
      this.pending.set(m.id, { resolve, reject });
      this.worker.post(m);
    });
  }

  /** Terminates the worker. */
  close(): Promise<void> {
    this.#closing = true;
    return this.worker.terminate();
  }

  #settle(r: TaskReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0 && !this.#closing) this.worker.release();
    if (r.error === undefined) p.resolve();
    else p.reject(new Error(`@bnkit/backend-ts worker task failed: ${r.error}`));
  }

  #failAll(e: Error): void {
    this.#dead ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** What a kernel needs of the pool: the chunk plan and a way to run one of the pool's tasks. */
export interface Threads<T extends TaskTable> {
  plan(count: number, work: number): number;
  run<N extends keyof T & string>(name: N, args: TaskArgs<T, N>, count: number, chunks: number): Promise<void>;
}

/**
 * The calling thread plus `size − 1` workers, running the tasks of one table. `run` posts a call to the
 * workers and then works on it itself: all of them claim the call's chunks until none is left.
 */
export class ThreadPool<T extends TaskTable> implements Threads<T> {
  readonly #tasks: T;
  readonly #lanes: Lane[];
  #nextId = 0;
  #closed = false;

  private constructor(tasks: T, lanes: Lane[]) {
    this.#tasks = tasks;
    this.#lanes = lanes;
  }

  /** Total compute threads, the calling one included. */
  get size(): number {
    return this.#lanes.length + 1;
  }

  /**
   * Starts `threads − 1` workers for `tasks`; `tasksModule` is the URL of a module that exports the same
   * table as `tasks` (workers cannot receive functions, so each loads it) and is ready once they have.
   */
  static async create<T extends TaskTable>(threads: number, tasks: T, tasksModule: URL): Promise<ThreadPool<T>> {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new InvalidArgumentError(`threads must be an integer >= 1, got ${String(threads)}`);
    }
    const problem = threads > 1 ? sharedMemoryProblem() : null;
    if (problem) throw new InvalidArgumentError(`threads ${threads} needs workers that share memory, but ${problem}; pass threads: 1`);
    const lanes = Array.from({ length: threads - 1 }, () => new Lane(spawnWorker({ tasks: tasksModule.href })));
    try {
      await Promise.all(lanes.map((l) => l.ready));
    } catch (e) {
      await Promise.all(lanes.map((l) => l.close()));
      throw e;
    }
    return new ThreadPool(tasks, lanes);
  }

  /**
   * How many chunks `run` cuts `count` items into, given the estimated single-thread cost `work`: one
   * below the size where a split pays, else one per CHUNK_WORK (2 to MAX_CHUNKS, at most one per item).
   * Kernels with per-chunk partial sums allocate one slot per chunk.
   */
  plan(count: number, work: number): number {
    if (work < MIN_PARALLEL_WORK) return 1;
    return Math.max(1, Math.min(count, MAX_CHUNKS, Math.max(2, Math.round(work / CHUNK_WORK))));
  }

  /**
   * Runs `name` over items [0, count) in `chunks` chunks (from `plan`), the calling thread and the workers
   * claiming chunks until none is left. Inputs in ordinary memory are copied to shared memory when workers
   * take part; outputs must already be shared (kernels allocate them with sharedFloat32).
   */
  async run<N extends keyof T & string>(name: N, args: TaskArgs<T, N>, count: number, chunks: number): Promise<void> {
    if (this.#closed) throw new Error('@bnkit/backend-ts: the backend was closed; create a new one');
    const task = this.#tasks[name];
    if (chunks <= 1 || this.#lanes.length === 0) {
      for (let i = 0; i < chunks; i++) runChunk(task, args, count, chunks, i);
      return;
    }
    const shared = shareInputs(args);
    // A caller may dispose an input before this call settles; its storage must not be reused meanwhile.
    const unpin = pin(Object.values(shared as object));
    const control = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    const helpers = this.#lanes.slice(0, chunks - 1).map((lane) =>
      lane.send({ id: this.#nextId++, task: name, args: shared, count, chunks, control }),
    );
    try {
      runChunks(task, shared, count, chunks, control);
    } finally {
      // Every chunk finished: the workers have nothing left to touch, whether or not they have answered
      // yet (a late one claims nothing). Otherwise wait for them, so no worker still works after we return.
      if (Atomics.load(control, CHUNKS_DONE) === chunks) {
        unpin();
        for (const h of helpers) h.catch(() => undefined);
      } else {
        const settled = await Promise.allSettled(helpers);
        unpin();
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#lanes.map((l) => l.close()));
  }
}

function shareInputs<A>(args: A): A {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args as Record<string, unknown>)) out[k] = v instanceof Float32Array ? asShared(v) : v;
  return out as A;
}
