import { parentPort, workerData } from 'node:worker_threads';
import { runChunks, WORKER_READY, type TaskMessage, type TaskReply, type TaskTable, type WorkerSetup } from './chunks.js';

/**
 * Worker thread entry: loads the task table named in workerData, then joins each posted call, running chunks
 * on shared memory, and answers with its id.
 */
const port = parentPort;
if (!port) throw new Error('@bnkit/backend-ts: threads/worker.js must be started as a worker thread');
const setup = workerData as WorkerSetup;
const { tasks } = (await import(setup.tasks)) as { tasks: TaskTable };

port.on('message', (m: TaskMessage) => {
  let reply: TaskReply;
  try {
    runChunks(tasks[m.task], m.args, m.count, m.chunks, m.control);
    reply = { id: m.id };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage(WORKER_READY);
