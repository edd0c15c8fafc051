/**
 * A task: processes items [start, end) of its arguments (images, rows, planes or elements) and writes only
 * their outputs, or slot `slot` (the chunk's index) of a partial-sum buffer, so chunks never overlap.
 */
export type Task<A> = (args: A, start: number, end: number, slot: number) => void;

/**
 * The tasks a pool can run, by name. The pool knows none of them: whoever creates it passes a table and the
 * URL of the module that exports the same table as `tasks`, which every worker loads.
 */
// `never` arguments let a table of tasks with different argument types satisfy the constraint.
export type TaskTable = Readonly<Record<string, Task<never>>>;

/** The argument type of task `N` of table `T`. */
export type TaskArgs<T extends TaskTable, N extends keyof T> = Parameters<T[N]>[0];

/** Items [start, end) of chunk i when `count` items are cut into `chunks` near-equal contiguous chunks. */
export function chunkStart(count: number, chunks: number, i: number): number {
  return Math.round((count * i) / chunks);
}

/** Runs chunk i of a call on the current thread (widening the task's argument type for the table lookup). */
export function runChunk(task: Task<never>, args: unknown, count: number, chunks: number, i: number): void {
  (task as Task<unknown>)(args, chunkStart(count, chunks, i), chunkStart(count, chunks, i + 1), i);
}

/** Indices into a call's control array (Int32Array over shared memory). */
export const NEXT_CHUNK = 0;
export const CHUNKS_DONE = 1;

/**
 * Claims and runs chunks of a call until none is left; run by the calling thread and every worker at once.
 * A chunk is claimed with an atomic increment, so a thread that starts late (its core busy elsewhere) simply
 * takes fewer chunks. Chunk i always covers the same items and writes partial-sum slot i, so results do not
 * depend on which thread ran which chunk, nor on the thread count.
 */
export function runChunks(task: Task<never>, args: unknown, count: number, chunks: number, control: Int32Array): void {
  for (;;) {
    const i = Atomics.add(control, NEXT_CHUNK, 1);
    if (i >= chunks) return;
    runChunk(task, args, count, chunks, i);
    Atomics.add(control, CHUNKS_DONE, 1);
  }
}

/** A call, as posted to a worker: the worker joins in claiming its chunks. */
export interface TaskMessage {
  readonly id: number;
  readonly task: string;
  readonly args: unknown;
  readonly count: number;
  readonly chunks: number;
  readonly control: Int32Array;
}

/** A worker's answer once no chunk of the call is left: the call's id, and the error message if one failed. */
export interface TaskReply {
  readonly id: number;
  readonly error?: string;
}

/** What a worker sends once it has loaded its task table, before any reply. */
export const WORKER_READY = 'ready';

/** What a worker receives at start (as workerData): where its task table lives. */
export interface WorkerSetup {
  readonly tasks: string;
}

/** A worker's handling of one posted call: joins in claiming its chunks, then says how it went. */
export function answer(tasks: TaskTable, m: TaskMessage): TaskReply {
  try {
    runChunks(tasks[m.task], m.args, m.count, m.chunks, m.control);
    return { id: m.id };
  } catch (e) {
    return { id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}

/**
 * A started worker as the pool sees it, whatever the runtime: Node's worker_threads (spawn-node.ts) or a
 * page's Web Worker (spawn-web.ts), chosen by package.json's `#threads/spawn` import conditions.
 */
export interface TaskWorker {
  post(m: TaskMessage): void;
  /** Called once: `onMessage` gets every message, `onGone` why the worker stopped answering (crash, exit). */
  listen(onMessage: (m: unknown) => void, onGone: (e: Error) => void): void;
  /** Keeps the process alive while a call is out (Node); `release` lets an idle worker not hold it. No-ops in a page. */
  hold(): void;
  release(): void;
  terminate(): Promise<void>;
}
