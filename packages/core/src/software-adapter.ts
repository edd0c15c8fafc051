/*
 * Telling a software WebGPU adapter from a GPU. Dawn offers Mesa's lavapipe (llvmpipe) and SwiftShader as
 * ordinary adapters when no GPU driver answers; they run every shader on the CPU, and a backend that picks
 * one automatically would run slower than its own CPU path. Both WebGPU backends classify adapters here so
 * they agree on what counts as software.
 */

/** The fields of a WebGPU `GPUAdapterInfo` the classification reads. */
export interface AdapterIdentity {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
}

/** Architectures Dawn reports for CPU renderers (lavapipe: 'software'; SwiftShader: 'swiftshader'). */
const SOFTWARE_ARCHITECTURES = new Set(['software', 'swiftshader']);
/** Driver names of CPU renderers, as they appear in the adapter's device name or description. */
const SOFTWARE_RENDERER = /\b(llvmpipe|lavapipe|swiftshader|softpipe)\b/i;

/**
 * The software renderer an adapter is ('llvmpipe', 'swiftshader', …, or its architecture when only that
 * says so), or undefined for a hardware GPU.
 */
export function softwareRenderer(info: AdapterIdentity): string | undefined {
  for (const text of [info.device, info.description]) {
    const match = text ? SOFTWARE_RENDERER.exec(text) : null;
    if (match) return match[1].toLowerCase();
  }
  const architecture = info.architecture?.toLowerCase();
  return architecture && SOFTWARE_ARCHITECTURES.has(architecture) ? architecture : undefined;
}
