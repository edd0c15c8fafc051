/*
 * WebGPU in Node through Dawn (the `webgpu` package): libraries such as tfjs-backend-webgpu look for
 * `navigator.gpu`, which Node does not provide. The global must go again afterwards, or the live GPU
 * instance keeps Node's event loop from ever exiting.
 */

export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

interface MinimalGpu {
  requestAdapter(): Promise<{ readonly info?: Partial<AdapterDescription> } | null>;
}

/**
 * Runs `body` with `navigator.gpu` set to a Dawn instance and the WebGPU globals (GPUBufferUsage...)
 * defined, passing the default adapter's description (null when Dawn finds none, e.g. no Vulkan driver).
 * A `navigator.gpu` that already exists is used and left in place.
 */
export async function withDawn<T>(body: (adapter: AdapterDescription | null) => Promise<T>): Promise<T> {
  const g = globalThis as { navigator?: { gpu?: MinimalGpu } };
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  const installed = !g.navigator?.gpu;
  if (installed) {
    const { create, globals } = (await import('webgpu')) as unknown as { create(flags: string[]): MinimalGpu; globals: object };
    Object.assign(globalThis, globals);
    // defineProperty, not assignment: Node 21+ has a getter-only navigator of its own.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
  }
  try {
    const adapter = await g.navigator!.gpu!.requestAdapter();
    const info = adapter?.info;
    const description: AdapterDescription | null = adapter
      ? { vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', device: info?.device ?? '', description: info?.description ?? '' }
      : null;
    return await body(description);
  } finally {
    if (installed) {
      if (previous) Object.defineProperty(globalThis, 'navigator', previous);
      else delete g.navigator;
    }
  }
}
