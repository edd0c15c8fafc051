import { avgPool2dBackwardPlanes, avgPool2dPlanes } from '../kernels/training/avg-pool2d.js';
import { conv2dBackwardImages, conv2dForwardImages } from '../kernels/training/conv2d.js';
import { linearBackwardRows, linearForwardRows } from '../kernels/training/linear.js';
import { maxPool2dBackwardPlanes, maxPool2dPlanes } from '../kernels/training/max-pool2d.js';
import { sigmoidBackwardRange, sigmoidRange } from '../kernels/training/sigmoid.js';

/**
 * The work a kernel can split across threads. Each task processes items [start, end) of its arguments (images,
 * rows, planes or elements) and writes only their outputs, or its own `slot` of a partial-sum buffer, so
 * chunks never overlap. The same table is loaded by the main thread and by every worker.
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

/** A chunk of a task, as posted to a worker. */
export interface TaskMessage {
  readonly id: number;
  readonly task: TaskName;
  readonly args: unknown;
  readonly start: number;
  readonly end: number;
  readonly slot: number;
}

/** A worker's answer: the chunk's id, and the error message if it failed. */
export interface TaskReply {
  readonly id: number;
  readonly error?: string;
}
