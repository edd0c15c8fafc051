/** What a kernel may ask about the tfjs backend it runs on. */
export interface KernelContext {
  /** The tfjs backend name: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  readonly device: string;
  /** Whether the active tfjs backend registers a kernel of this name (e.g. 'Conv2DBackpropFilter'). */
  hasKernel(name: string): boolean;
}
