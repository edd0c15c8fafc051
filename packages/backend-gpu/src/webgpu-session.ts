// Node: Dawn from the 'webgpu' package; a page: none (its navigator.gpu is used), by package.json's import conditions.
import { loadDawn, type Dawn } from '#dawn';
import { gpujs, type WebGPUContextValue } from './gpujs.js';

/*
 * One Dawn instance per process, shared by every open webgpu backend (gpu.js keeps a single device in a
 * module singleton, so two backends could not hold different devices anyway). Dawn keeps Node alive for as
 * long as `navigator.gpu` references it: the last backend to close destroys the device and removes the
 * navigator this module installed, and the process can exit.
 */

interface Session {
  readonly context: WebGPUContextValue;
  readonly flags: readonly string[];
  /** True when this module installed globalThis.navigator (and so must remove it). */
  readonly installedNavigator: boolean;
  users: number;
}

let session: Session | null = null;

/**
 * Dawn instances by their flags, kept for the life of the process. webgpu@0.3.10 crashes the process
 * (SIGSEGV, "futex facility returned an unexpected error code") when the object `create()` returned is
 * garbage-collected while Node keeps running; holding it is harmless (Node still exits once the device is
 * destroyed and navigator is gone), and a later backend with the same flags reuses it.
 */
const dawnInstances = new Map<string, unknown>();
let opening: Promise<Session> | null = null;

type GlobalWithNavigator = typeof globalThis & { navigator?: { gpu?: unknown } };

/** Why WebGPU is not available, as a sentence for warnings and errors. */
export class WebGpuUnavailable extends Error {}

async function open(flags: readonly string[]): Promise<Session> {
  const g = globalThis as GlobalWithNavigator;
  let installedNavigator = false;
  if (!g.navigator?.gpu) {
    let dawn: Dawn;
    try {
      dawn = await loadDawn();
    } catch (e) {
      throw new WebGpuUnavailable((e as Error).message);
    }
    Object.assign(globalThis, dawn.globals);
    const key = flags.join('\n');
    if (!dawnInstances.has(key)) dawnInstances.set(key, dawn.create([...flags]));
    // Node 21+ defines a read-only navigator; define the property rather than assign it.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawnInstances.get(key) }, configurable: true, writable: true });
    installedNavigator = true;
  }
  try {
    const context = await gpujs.WebGPUContext.acquire();
    return { context, flags, installedNavigator, users: 0 };
  } catch (e) {
    if (installedNavigator) delete g.navigator;
    const why = (e as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
    throw new WebGpuUnavailable(`no WebGPU adapter: ${why}`);
  }
}

/** Opens (or joins) the process's WebGPU session. Rejects with WebGpuUnavailable when there is no adapter. */
export async function acquireWebGpu(flags: readonly string[]): Promise<WebGPUContextValue> {
  if (!session) {
    opening ??= open(flags).finally(() => {
      opening = null;
    });
    session = await opening;
  }
  if (session.flags.join('\n') !== flags.join('\n')) {
    throw new WebGpuUnavailable(
      `a WebGPU backend is already open with Dawn flags [${session.flags.join(', ')}]; ` +
        `close it before opening one with [${flags.join(', ')}]`,
    );
  }
  session.users++;
  return session.context;
}

/** Leaves the session; the last user destroys the device and removes the navigator so Node can exit. */
export async function releaseWebGpu(): Promise<void> {
  if (!session || --session.users > 0) return;
  const { installedNavigator } = session;
  session = null;
  await gpujs.WebGPUContext.destroy();
  if (installedNavigator) delete (globalThis as GlobalWithNavigator).navigator;
}
