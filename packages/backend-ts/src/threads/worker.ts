import { parentPort } from 'node:worker_threads';
import { runChunks, type TaskArgs, type TaskMessage, type TaskName, type TaskReply } from './tasks.js';

/** Worker thread entry: joins each posted call, running chunks on shared memory, and answers with its id. */
const port = parentPort;
if (!port) throw new Error('@bnkit/backend-ts: threads/worker.js must be started as a worker thread');

port.on('message', (m: TaskMessage) => {
  let reply: TaskReply;
  try {
    runChunks(m.task, m.args as TaskArgs<TaskName>, m.count, m.chunks, m.control);
    reply = { id: m.id };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
