import type { Backend, DeviceInfo } from '@bnkit/core';
import { loadBackendFactory } from '@bnkit/loader';
import { CHECKS } from '../checks/index.js';
import { loadFixtureDirs } from '../fixtures/load.js';
import { errorCode, messageOf } from '../kernel-errors.js';
import { openSession, runCheck, type CheckSession } from '../run.js';
import { FAULT_EXIT_CODE, type ChildMessage, type RunRequest } from './protocol.js';

/*
 * The child process of a supervised run (supervisor.ts forks this module): it loads the backend under test,
 * runs the requested checks one by one and sends each result up as soon as it exists, then closes the
 * backend. Whatever the backend does to this process — exit, hang, crash, exhaust the heap — the results
 * already sent stand, and the supervisor turns the rest into FAILs.
 */

/** Sends one message and waits until it is written, so a process.exit() by the backend right after cannot lose it. */
function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) process.exit(FAULT_EXIT_CODE); // Not forked by the supervisor: nobody to report to.
    process.send(message, undefined, {}, () => resolve());
  });
}

function fault(kind: string, e: unknown): void {
  void send({ type: 'fault', reason: `backend code raised ${kind}: ${messageOf(e)}` }).then(() => process.exit(FAULT_EXIT_CODE));
}
process.on('uncaughtException', (e) => fault('an uncaught exception', e));
process.on('unhandledRejection', (e) => fault('an unhandled promise rejection', e));

/**
 * Lets what the backend scheduled run now (timers, rejections), so that a fault it left behind strikes
 * while the step that caused it still counts as running, not later in another step, or never.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(() => setImmediate(resolve), 0));
}

/** The device as plain data (a getter that throws, or a value that cannot be sent, fails the opening). */
function deviceOf(backend: Backend): DeviceInfo {
  const d = backend.device;
  return { kind: String(d.kind), name: String(d.name), ...(d.description !== undefined ? { description: String(d.description) } : {}) };
}

/** Errors of the factory that mean the command line cannot be run here rather than a broken backend. */
function usageMessage(e: unknown, device: string | undefined): string | undefined {
  const code = errorCode(e);
  if (code === 'DEVICE_UNAVAILABLE' || (device !== undefined && code === 'INVALID_ARGUMENT')) {
    return device !== undefined ? `--device ${device}: ${(e as Error).message}` : (e as Error).message;
  }
  return undefined;
}

async function open(request: RunRequest): Promise<CheckSession | undefined> {
  const fixtures = loadFixtureDirs(request.fixtureDirs);
  // From here on backend code runs, and the supervisor's limits apply.
  await send({ type: 'ready' });
  let factory;
  try {
    factory = await loadBackendFactory(request.backend, import.meta.url);
  } catch (e) {
    // Not found, or its module threw while loading: the backend named cannot be run (exit 2).
    await send({ type: 'usage', message: (e as Error).message });
    return undefined;
  }
  let session;
  try {
    session = await openSession({ factory }, request.settings, fixtures);
    await settle();
  } catch (e) {
    const usage = usageMessage(e, request.settings.device);
    await send(usage !== undefined ? { type: 'usage', message: usage } : { type: 'open-failed', reason: `creating the backend failed: ${messageOf(e)}` });
    return undefined;
  }
  let identity;
  try {
    const backend = session.ctx.backendAsCreated;
    identity = { name: String(backend.name), device: deviceOf(backend) };
  } catch (e) {
    await send({ type: 'open-failed', reason: `reading the backend's name and device failed: ${messageOf(e)}` });
    return undefined;
  }
  await send({ type: 'opened', ...identity });
  return session;
}

async function close(session: CheckSession): Promise<string | undefined> {
  if (typeof session.ctx.backendAsCreated.close !== 'function') return 'the backend has no close() method (the contract requires one)';
  try {
    await session.close();
    return undefined;
  } catch (e) {
    return `close() threw ${messageOf(e)}`;
  }
}

async function run(request: RunRequest): Promise<void> {
  const session = await open(request);
  if (session) {
    for (const id of request.checkIds) {
      const check = CHECKS.find((c) => c.id === id);
      if (!check) throw new Error(`the supervisor asked for check '${id}', which this suite does not have`);
      await send({ type: 'started', id });
      let result;
      try {
        result = await runCheck(check, session.ctx);
      } catch (e) {
        // runCheck throws only a usage error (a --path that names no input of this check).
        await send({ type: 'usage', message: (e as Error).message, check: id });
        process.exit(0);
      }
      await settle();
      await send({ type: 'done', result });
    }
    await send({ type: 'closing' });
    const failure = await close(session);
    await send({ type: 'closed', ...(failure !== undefined ? { failure } : {}) });
  }
  // The supervisor has what it needs; what the backend left running (timers, exitCode) is not waited for.
  process.exit(0);
}

process.once('message', (request: RunRequest) => void run(request));
