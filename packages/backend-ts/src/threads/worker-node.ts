import { parentPort, workerData } from 'node:worker_threads';
import { answer, WORKER_READY, type TaskMessage, type TaskTable, type WorkerSetup } from './chunks.js';

/**
 * Worker thread entry (Node): loads the task table named in workerData, then joins each posted call, running
 * chunks on shared memory, and answers with its id.
 */
const port = parentPort;
if (!port) throw new Error('@bnkit/backend-ts: threads/worker-node.js must be started as a worker thread');
const setup = workerData as WorkerSetup;
const { tasks } = (await import(setup.tasks)) as { tasks: TaskTable };

port.on('message', (m: TaskMessage) => port.postMessage(answer(tasks, m)));
port.postMessage(WORKER_READY);
