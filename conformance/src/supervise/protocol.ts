import type { DeviceInfo } from '@bnkit/core';
import type { RunSettings } from '../checks/types.js';
import type { CheckResult } from '../report/types.js';

/*
 * The messages between the supervisor (the CLI's process, which owns the verdict and the report) and the
 * child process that runs the backend under test (child.ts). One request goes down; results stream up, one
 * check at a time, so whatever the backend does next cannot take back a result already sent.
 */

/** Parent → child: what to run. The child loads the backend and the fixtures itself. */
export interface RunRequest {
  readonly type: 'run';
  readonly backend: string;
  readonly settings: RunSettings;
  readonly fixtureDirs: readonly string[];
  /** The ids of the checks still to run, in order. */
  readonly checkIds: readonly string[];
}

export type ChildMessage =
  /** The suite is loaded in the child (its modules, the fixtures); the backend's module is imported next. */
  | { readonly type: 'ready' }
  /** The backend was created; its name and device as it reported them. */
  | { readonly type: 'opened'; readonly name: string; readonly device: DeviceInfo }
  | { readonly type: 'started'; readonly id: string }
  | { readonly type: 'done'; readonly result: CheckResult }
  | { readonly type: 'closing' }
  /** close() settled; `failure` says how it failed (threw, or missing). */
  | { readonly type: 'closed'; readonly failure?: string }
  /**
   * The command line cannot be run (unknown backend, a --device the factory refuses, a --path that names no
   * input of `check`): exit 2.
   */
  | { readonly type: 'usage'; readonly message: string; readonly check?: string }
  /** The backend could not be created or identified (its factory threw, its device getter threw). */
  | { readonly type: 'open-failed'; readonly reason: string }
  /** Backend code raised an uncaught exception or left a rejection unhandled; the child exits next. */
  | { readonly type: 'fault'; readonly reason: string };

/** The child's exit code after it reported a fault itself (the supervisor reads the message, not the code). */
export const FAULT_EXIT_CODE = 70;
