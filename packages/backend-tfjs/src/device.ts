import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeviceUnavailableError, InvalidArgumentError, softwareRenderer, type DeviceInfo } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';

/** The tfjs backends bnkit can run on, in the order automatic selection tries them. */
export const DEVICES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type DeviceName = (typeof DEVICES)[number];

/** The packages that provide the `tensorflow` device (libtensorflow), CUDA build first. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** A tfjs backend made active for bnkit, with what it takes to shut it down again. */
export interface OpenDevice {
  readonly name: DeviceName;
  readonly info: Omit<DeviceInfo, 'description'> & { readonly description: string };
  /** webgpu only: the software renderer (e.g. 'llvmpipe') when the adapter is one rather than a GPU. */
  readonly software?: string;
  /** Disposes the tfjs backend (GPU buffers, wasm heap, ...) and undoes global changes. */
  release(): void;
}

/** Priorities tfjs itself uses when registering these backends; kept when a backend is re-registered. */
const PRIORITY: Record<DeviceName, number> = { tensorflow: 3, webgpu: 3, wasm: 2, cpu: 1 };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function unavailable(device: DeviceName, why: string): DeviceUnavailableError {
  return new DeviceUnavailableError(`device '${device}' is unavailable: ${why}`);
}

async function activate(device: DeviceName): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(device);
  } catch (e) {
    throw unavailable(device, `tfjs could not initialise its '${device}' backend: ${message(e)}`);
  }
  if (!ok || tf.getBackend() !== device) throw unavailable(device, `tfjs could not initialise its '${device}' backend`);
}

/**
 * Disposes a tfjs backend instance but keeps its factory registered, so a later bnkit backend can open
 * the same device again in this process.
 */
function recycle(device: DeviceName): void {
  const factory = tf.findBackendFactory(device);
  if (!factory) return;
  tf.removeBackend(device);
  tf.registerBackend(device, factory, PRIORITY[device]);
}

/** Resolves an optional peer package from this package and, failing that, from the working directory. */
function resolvePackage(name: string): string | undefined {
  for (const base of [import.meta.url, join(process.cwd(), 'index.js')]) {
    try {
      return createRequire(base).resolve(name);
    } catch {
      // not installed where this base looks; try the next one
    }
  }
  return undefined;
}

interface NodeKernelBackend {
  readonly isUsingGpuDevice?: boolean;
  readonly isGPUPackage?: boolean;
}

/**
 * libtensorflow through @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node (CPU). Importing either
 * package registers the 'tensorflow' backend on the shared tfjs engine.
 */
async function openTensorflow(): Promise<OpenDevice> {
  const reasons: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    const path = resolvePackage(pkg);
    if (!path) {
      reasons.push(`${pkg} is not installed`);
      continue;
    }
    type NodePackage = { version?: Record<string, string> };
    let mod: NodePackage & { default?: NodePackage };
    try {
      mod = (await import(pathToFileURL(path).href)) as typeof mod;
    } catch (e) {
      reasons.push(`${pkg} is installed but failed to load (${message(e)})`);
      continue;
    }
    try {
      await activate('tensorflow');
    } catch (e) {
      reasons.push(`${pkg} loaded but ${message(e)}`);
      continue;
    }
    const backend = tf.backend() as unknown as NodeKernelBackend;
    const cuda = backend.isUsingGpuDevice === true;
    // A CommonJS package: its exports may only be reachable through the default export.
    const version = (mod.version ?? mod.default?.version)?.['tfjs-node'] ?? 'unknown version';
    const cudaNote = cuda
      ? 'CUDA in use'
      : pkg === '@tensorflow/tfjs-node-gpu'
        ? 'CUDA NOT in use: libtensorflow found no usable GPU or no CUDA 11.2 / cuDNN 8.1 libraries and runs on the CPU'
        : 'CPU build of libtensorflow (install @tensorflow/tfjs-node-gpu for CUDA)';
    return {
      name: 'tensorflow',
      info: { kind: 'tensorflow', name: cuda ? 'CUDA GPU' : 'CPU', description: [`${pkg} ${version}, libtensorflow; ${cudaNote}`, ...reasons].join('; ') },
      release: () => recycle('tensorflow'),
    };
  }
  throw unavailable('tensorflow', `${reasons.join('; ')}. Install @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node`);
}

/* Minimal shapes of the WebGPU objects used here, so no DOM typings are needed. */
interface GpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}
interface GpuDevice {
  destroy(): void;
}
interface GpuAdapter {
  readonly info: GpuAdapterInfo;
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor: { requiredFeatures: string[]; requiredLimits: Record<string, number> }): Promise<GpuDevice>;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapter | null>;
}

/** Limits tfjs-backend-webgpu raises to the adapter's maximum (as its own registration does). */
const WEBGPU_LIMITS = [
  'maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize',
  'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup',
];

/**
 * tfjs-backend-webgpu on Dawn (the `webgpu` package). Dawn reaches the GPU through Vulkan on Linux; with
 * no GPU, Mesa's lavapipe gives a software adapter ('llvmpipe'). The backend is registered here with the
 * adapter requested here (tfjs's own registration only happens when navigator.gpu exists at import time).
 */
async function openWebgpu(): Promise<OpenDevice> {
  let dawn: { create(flags: string[]): Gpu; globals: object };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (e) {
    throw unavailable('webgpu', `the Dawn package 'webgpu' failed to load (${message(e)})`);
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  const restoreNavigator = () => {
    if (previous) Object.defineProperty(globalThis, 'navigator', previous);
    else delete (globalThis as { navigator?: unknown }).navigator;
  };
  // tfjs-backend-webgpu reads navigator.gpu; while it is set, Dawn keeps Node's event loop alive.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  let adapter: GpuAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    restoreNavigator();
    throw unavailable('webgpu', `Dawn could not request an adapter (${message(e)})`);
  }
  if (!adapter) {
    restoreNavigator();
    throw unavailable(
      'webgpu',
      'Dawn found no WebGPU adapter (no Vulkan driver; without a GPU on Linux, install Mesa >= 24 mesa-vulkan-drivers for lavapipe)',
    );
  }
  const found = adapter;
  const info = found.info;
  let device: GpuDevice | undefined;
  try {
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend(
      'webgpu',
      async () => {
        const requiredLimits: Record<string, number> = {};
        for (const key of WEBGPU_LIMITS) requiredLimits[key] = found.limits[key];
        const requiredFeatures = found.features.has('timestamp-query') ? ['timestamp-query'] : [];
        device = await found.requestDevice({ requiredFeatures, requiredLimits });
        return new WebGPUBackend(device as never, { vendor: info.vendor, architecture: info.architecture } as never);
      },
      PRIORITY.webgpu,
    );
    await activate('webgpu');
  } catch (e) {
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    device?.destroy();
    restoreNavigator();
    throw e instanceof DeviceUnavailableError ? e : unavailable('webgpu', message(e));
  }
  const software = softwareRenderer(info);
  const adapterName = info.description.split(':')[0].trim() || info.device || info.vendor || 'unknown adapter';
  return {
    name: 'webgpu',
    info: {
      kind: 'webgpu',
      // Dawn's description starts with the adapter's short name ('llvmpipe: Mesa 25.0.7 ...').
      name: software ? `${adapterName} (software)` : adapterName,
      description:
        (software ? `software renderer ${software}: shaders run on the CPU, not a GPU; ` : '') +
        `tfjs-backend-webgpu on Dawn; adapter ${info.description || info.device} (vendor ${info.vendor || '?'}, ${info.architecture || '?'})`,
    },
    ...(software ? { software } : {}),
    release: () => {
      tf.removeBackend('webgpu');
      device?.destroy();
      restoreNavigator();
    },
  };
}

async function openWasm(): Promise<OpenDevice> {
  let wasm: { getThreadsCount(): number };
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    throw unavailable('wasm', `@tensorflow/tfjs-backend-wasm failed to load (${message(e)})`);
  }
  await activate('wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = wasm.getThreadsCount();
  return {
    name: 'wasm',
    info: {
      kind: 'wasm',
      name: `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`,
      description:
        'tfjs-backend-wasm (XNNPACK); tfjs runs it single-threaded in Node; it has no Conv2DBackpropFilter kernel, ' +
        'so the conv2d weight gradient is an im2col matMul',
    },
    release: () => recycle('wasm'),
  };
}

async function openCpu(): Promise<OpenDevice> {
  await activate('cpu');
  return {
    name: 'cpu',
    info: { kind: 'cpu', name: 'JavaScript, 1 thread', description: 'tfjs-backend-cpu (plain JavaScript kernels)' },
    release: () => recycle('cpu'),
  };
}

const OPENERS: Record<DeviceName, () => Promise<OpenDevice>> = {
  tensorflow: openTensorflow,
  webgpu: openWebgpu,
  wasm: openWasm,
  cpu: openCpu,
};

/** Devices opened in this process and how many bnkit backends use each (tfjs has one engine per process). */
const opened = new Map<DeviceName, { device: Promise<OpenDevice>; users: number }>();

async function acquire(name: DeviceName): Promise<OpenDevice> {
  const entry = opened.get(name);
  if (entry) {
    entry.users++;
    return entry.device;
  }
  const device = OPENERS[name]();
  opened.set(name, { device, users: 1 });
  try {
    return await device;
  } catch (e) {
    opened.delete(name);
    throw e;
  }
}

/** Gives a device back; the last user's release disposes the tfjs backend. */
export function releaseDevice(device: OpenDevice): void {
  const entry = opened.get(device.name);
  if (!entry) return;
  entry.users--;
  if (entry.users === 0) {
    opened.delete(device.name);
    device.release();
  }
}

function isDeviceName(name: unknown): name is DeviceName {
  return typeof name === 'string' && (DEVICES as readonly string[]).includes(name);
}

/**
 * Opens the requested device, or the first that works in the order tensorflow → webgpu → wasm → cpu, where
 * a software WebGPU adapter (lavapipe, SwiftShader) ranks below wasm: it runs tfjs's shaders on the CPU,
 * about 25 times slower than wasm. A forced device that cannot start throws DeviceUnavailableError with the
 * reason; automatic selection records why each faster device was passed over in the description.
 */
export async function openDevice(requested?: string): Promise<OpenDevice> {
  if (requested !== undefined && requested !== 'auto') {
    if (!isDeviceName(requested)) {
      throw new InvalidArgumentError(`unknown tfjs device ${JSON.stringify(requested)}; allowed: ${DEVICES.join(', ')} or auto`);
    }
    return acquire(requested);
  }
  return openFirst(acquire, releaseDevice);
}

/**
 * Automatic selection: the first device `open` starts, in DEVICES order with a software WebGPU adapter moved
 * to just after wasm (`open` and `release` are acquire and releaseDevice; the tests pass fakes).
 */
export async function openFirst(
  open: (name: DeviceName) => Promise<OpenDevice>,
  release: (device: OpenDevice) => void,
): Promise<OpenDevice> {
  const order: DeviceName[] = [...DEVICES];
  const skipped: string[] = [];
  for (let i = 0; i < order.length; i++) {
    try {
      const device = await open(order[i]);
      const wasmLater = order.indexOf('wasm', i + 1);
      if (device.software && wasmLater > i) {
        release(device);
        skipped.push(`device 'webgpu' ranks below wasm: its adapter is the software renderer ${device.software}`);
        order.splice(wasmLater + 1, 0, 'webgpu');
        continue;
      }
      if (skipped.length === 0) return device;
      return { ...device, info: { ...device.info, description: `${device.info.description}. Passed over: ${skipped.join('; ')}` } };
    } catch (e) {
      if (!(e instanceof DeviceUnavailableError)) throw e;
      skipped.push(e.message);
    }
  }
  throw new DeviceUnavailableError(`no tfjs device could start: ${skipped.join('; ')}`);
}

/** The end of the queue of kernel runs: tfjs has one active backend per process. */
let turn: Promise<unknown> = Promise.resolve();

/**
 * Runs `fn` with the device's tfjs backend active, one run at a time in this process. Without the queue,
 * kernels of backends on two devices would each switch the active backend while the other awaits the
 * switch, forever.
 */
export function onDevice<T>(device: OpenDevice, fn: () => T): Promise<T> {
  const run = turn.then(async () => {
    if (tf.getBackend() !== device.name) await tf.setBackend(device.name);
    return fn();
  });
  turn = run.catch(() => undefined);
  return run;
}
