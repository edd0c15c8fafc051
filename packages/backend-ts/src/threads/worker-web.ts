import { answer, WORKER_READY, type TaskMessage, type TaskTable, type WorkerSetup } from './chunks.js';

/**
 * Web Worker entry (a page): the first message is the setup (a Web Worker has no workerData); once the task
 * table it names is loaded, each posted call is joined and answered with its id, as in worker-node.ts.
 */
interface WorkerScope {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;
let tasks: TaskTable | null = null;

scope.onmessage = (event) => {
  if (tasks) {
    scope.postMessage(answer(tasks, event.data as TaskMessage));
    return;
  }
  const setup = event.data as WorkerSetup;
  import(setup.tasks).then(
    (module: { tasks: TaskTable }) => {
      tasks = module.tasks;
      scope.postMessage(WORKER_READY);
    },
    (e: unknown) => scope.postMessage(`could not load the task table ${setup.tasks}: ${String(e)}`),
  );
};
