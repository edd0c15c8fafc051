import type { Parameter } from './state-tensor.js';

/** What a training step needs from an optimizer: `SGD` and `MomentumSGD` both are one. */
export interface Optimizer {
  readonly lr: number;
  /** Updates every parameter that has a gradient, then frees the gradients. */
  step(parameters: Iterable<Parameter>): Promise<void>;
  /** Frees whatever state the optimizer keeps on the device (momentum buffers); plain SGD keeps none. */
  dispose?(): void;
}
