import { DeviceUnavailableError, InvalidArgumentError, type DeviceInfo } from '@bnkit/core';
import { gpujs, type GpuJsMode, type WebGPUContextValue } from './gpujs.js';
import { WebGpuUnavailable, acquireWebGpu } from './webgpu-session.js';

/** Which device to run on: 'auto' tries WebGPU, then falls back to webasm, then cpu. */
export type DeviceChoice = 'auto' | 'webgpu' | 'webasm' | 'cpu';

export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'webgpu', 'webasm', 'cpu'];

export interface SelectedDevice {
  readonly mode: GpuJsMode;
  readonly info: DeviceInfo;
  /** Present on webgpu. */
  readonly context?: WebGPUContextValue;
}

/** The adapter's own name: Dawn reports e.g. 'nvidia-h200' or 'llvmpipe-llvm-15-0-6-256-bits-'. */
function adapterName(info: GPUAdapterInfo): string {
  return (info.device || info.description || info.vendor || 'unknown adapter').replace(/-+$/, '');
}

function webGpuInfo(context: WebGPUContextValue): DeviceInfo {
  const info = context.adapter.info;
  const parts = [
    info.description && `${info.description}`,
    info.vendor && `vendor ${info.vendor}`,
    info.architecture && `architecture ${info.architecture}`,
    'WebGPU through Dawn (webgpu@0.3.10), gpu.js webgpu mode',
  ].filter(Boolean);
  return { kind: 'webgpu', name: adapterName(info), description: parts.join('; ') };
}

function hostInfo(mode: 'webasm' | 'cpu', why: string | null): DeviceInfo {
  const what = mode === 'webasm' ? 'gpu.js webasm mode (WebAssembly, f32x4 SIMD) on the CPU' : 'gpu.js cpu mode (JavaScript) on the CPU';
  return {
    kind: mode,
    name: mode === 'webasm' ? 'WebAssembly' : 'JavaScript',
    description: why ? `${what}; fallback because ${why}` : what,
  };
}

function warnFallback(to: GpuJsMode, why: string): void {
  process.stderr.write(
    `\n*** @bnkit/backend-gpu WARNING: WebGPU is not available (${why}).\n` +
      `*** Falling back to gpu.js '${to}' mode on the CPU: results are the same, speed is not.\n` +
      `*** Pass { device: 'webgpu' } to make this an error instead.\n\n`,
  );
}

/**
 * Picks the execution mode. `auto` prefers WebGPU and falls back, loudly on stderr, when no adapter answers;
 * `webgpu` turns a missing adapter into DeviceUnavailableError.
 */
export async function selectDevice(choice: DeviceChoice, dawnFlags: readonly string[]): Promise<SelectedDevice> {
  if (!DEVICE_CHOICES.includes(choice)) {
    throw new InvalidArgumentError(`gpu backend: device must be one of ${DEVICE_CHOICES.join(', ')}, got ${JSON.stringify(choice)}`);
  }
  if (choice === 'cpu') return { mode: 'cpu', info: hostInfo('cpu', null) };
  if (choice === 'webasm') {
    if (!gpujs.GPU.isWebAssemblySupported) throw new DeviceUnavailableError('gpu backend: WebAssembly is not supported on this platform');
    return { mode: 'webasm', info: hostInfo('webasm', null) };
  }
  try {
    const context = await acquireWebGpu(dawnFlags);
    return { mode: 'webgpu', context, info: webGpuInfo(context) };
  } catch (e) {
    if (!(e instanceof WebGpuUnavailable)) throw e;
    if (choice === 'webgpu') {
      throw new DeviceUnavailableError(
        `gpu backend: device 'webgpu' was required but ${e.message}. On Linux Dawn needs a Vulkan driver ` +
          `(libvulkan.so.1 plus a GPU driver, or Mesa's lavapipe); use device 'auto' to fall back to webasm/cpu`,
      );
    }
    const to: GpuJsMode = gpujs.GPU.isWebAssemblySupported ? 'webasm' : 'cpu';
    warnFallback(to, e.message);
    return { mode: to, info: hostInfo(to, e.message) };
  }
}
