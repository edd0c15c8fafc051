import type { create } from 'webgpu';

/** Dawn, the WebGPU implementation Node lacks: `create(flags)` gives a navigator.gpu, `globals` the GPU* classes. */
export interface Dawn {
  readonly create: typeof create;
  readonly globals: object;
}

/** Where WebGPU comes from, for the device description. */
export const WEBGPU_VIA = 'WebGPU through Dawn (webgpu@0.3.10)';

export async function loadDawn(): Promise<Dawn> {
  try {
    return (await import('webgpu')) as unknown as Dawn;
  } catch (e) {
    throw new Error(`the Dawn package 'webgpu' could not be loaded (${(e as Error).message})`);
  }
}
