import { DeviceUnavailableError, InvalidArgumentError, softwareRenderer, type DeviceInfo } from '@bnkit/core';
import { WEBGPU_VIA } from '#dawn';
import { gpujs, type GpuJsMode, type WebGPUContextValue } from './gpujs.js';
import { WebGpuUnavailable, acquireWebGpu, releaseWebGpu } from './webgpu-session.js';

/**
 * Which device to run on: 'auto' takes a WebGPU GPU, else webasm, else a software WebGPU adapter, else cpu.
 * A software adapter (Mesa's lavapipe, SwiftShader) runs the shaders on the CPU and is slower than webasm:
 * measured on lavapipe with 2 shared vCPUs, a LeNet-BN training step at batch 256 took 9.2 s on WebGPU
 * (llvmpipe) and 4.1 s on webasm (medians of 4 steps, one run each). 'webgpu' still takes it when asked.
 */
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

/** What `device` says about a WebGPU adapter; a software renderer is named as one. */
export function webGpuInfo(info: GPUAdapterInfo): DeviceInfo {
  const software = softwareRenderer(info);
  const parts = [
    software && `software renderer ${software}: shaders run on the CPU, not a GPU`,
    info.description && `${info.description}`,
    info.vendor && `vendor ${info.vendor}`,
    info.architecture && `architecture ${info.architecture}`,
    `${WEBGPU_VIA}, gpu.js webgpu mode`,
  ].filter(Boolean);
  const name = adapterName(info);
  return { kind: 'webgpu', name: software ? `${name} (software)` : name, description: parts.join('; ') };
}

function hostInfo(mode: 'webasm' | 'cpu', why: string | null): DeviceInfo {
  const what = mode === 'webasm' ? 'gpu.js webasm mode (WebAssembly, f32x4 SIMD) on the CPU' : 'gpu.js cpu mode (JavaScript) on the CPU';
  return {
    kind: mode,
    name: mode === 'webasm' ? 'WebAssembly' : 'JavaScript',
    description: why ? `${what}; fallback because ${why}` : what,
  };
}

/** stderr under Node, the console in a page. */
const warn = (text: string): void => {
  if (typeof process === 'object' && process.stderr) process.stderr.write(text);
  else console.warn(text);
};

function warnFallback(to: GpuJsMode, why: string): void {
  warn(
    `\n*** @bnkit/backend-gpu WARNING: WebGPU is not available (${why}).\n` +
      `*** Falling back to gpu.js '${to}' mode on the CPU: results are the same, speed is not.\n` +
      `*** Pass { device: 'webgpu' } to make this an error instead.\n\n`,
  );
}

/**
 * Picks the execution mode. `auto` prefers a WebGPU GPU and falls back, loudly on stderr, when no adapter
 * answers; a software adapter it passes over for webasm, saying so in `device` (the adapter was a working
 * choice, so there is no warning). `webgpu` takes any adapter and turns a missing one into
 * DeviceUnavailableError.
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
    const software = softwareRenderer(context.adapter.info);
    if (choice === 'auto' && software && gpujs.GPU.isWebAssemblySupported) {
      await releaseWebGpu();
      const why = `the WebGPU adapter is the software renderer ${software}, slower than webasm; pass device 'webgpu' to use it`;
      return { mode: 'webasm', info: hostInfo('webasm', why) };
    }
    return { mode: 'webgpu', context, info: webGpuInfo(context.adapter.info) };
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
