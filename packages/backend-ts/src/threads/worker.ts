import { parentPort } from 'node:worker_threads';
import { runTask, type TaskArgs, type TaskMessage, type TaskName, type TaskReply } from './tasks.js';

/** Worker thread entry: runs posted task chunks on shared memory and answers each with its id. */
const port = parentPort;
if (!port) throw new Error('@bnkit/backend-ts: threads/worker.js must be started as a worker thread');

port.on('message', (m: TaskMessage) => {
  let reply: TaskReply;
  try {
    runTask(m.task, m.args as TaskArgs<TaskName>, m.start, m.end, m.slot);
    reply = { id: m.id };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
