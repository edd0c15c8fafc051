import { avgPool2dBackwardPlanes, avgPool2dPlanes } from '../kernels/training/avgPool2d.js';
import { conv2dBackwardImages, conv2dForwardImages } from '../kernels/training/conv2d.js';
import { linearBackwardRows, linearForwardRows } from '../kernels/training/linear.js';
import { maxPool2dBackwardPlanes, maxPool2dPlanes } from '../kernels/training/maxPool2d.js';
import { sigmoidBackwardRange, sigmoidRange } from '../kernels/training/sigmoid.js';

/**
 * The work a kernel can split across threads. Each task processes items [start, end) of its arguments (images,
 * rows, planes or elements) and writes only their outputs, or slot `slot` (the chunk's index) of a
 * partial-sum buffer, so chunks never overlap. The same table is loaded by the main thread and every worker.
 */
export const TASKS = {
  conv2dForward: conv2dForwardImages,
  conv2dBackward: conv2dBackwardImages,
  linearForward: linearForwardRows,
  linearBackward: linearBackwardRows,
  avgPool2d: avgPool2dPlanes,
  avgPool2dBackward: avgPool2dBackwardPlanes,
  maxPool2d: maxPool2dPlanes,
  maxPool2dBackward: maxPool2dBackwardPlanes,
  sigmoid: sigmoidRange,
  sigmoidBackward: sigmoidBackwardRange,
} as const;

export type TaskName = keyof typeof TASKS;
export type TaskArgs<N extends TaskName> = Parameters<(typeof TASKS)[N]>[0];

/** Runs a task on the current thread (widening the per-task argument type for the table lookup). */
export function runTask<N extends TaskName>(name: N, args: TaskArgs<N>, start: number, end: number, slot: number): void {
  (TASKS[name] as (a: TaskArgs<N>, s: number, e: number, slot: number) => void)(args, start, end, slot);
}

/** Items [start, end) of chunk i when `count` items are cut into `chunks` near-equal contiguous chunks. */
export function chunkStart(count: number, chunks: number, i: number): number {
  return Math.round((count * i) / chunks);
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
export function runChunks<N extends TaskName>(name: N, args: TaskArgs<N>, count: number, chunks: number, control: Int32Array): void {
  for (;;) {
    const i = Atomics.add(control, NEXT_CHUNK, 1);
    if (i >= chunks) return;
    runTask(name, args, chunkStart(count, chunks, i), chunkStart(count, chunks, i + 1), i);
    Atomics.add(control, CHUNKS_DONE, 1);
  }
}

/** A call, as posted to a worker: the worker joins in claiming its chunks. */
export interface TaskMessage {
  readonly id: number;
  readonly task: TaskName;
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
