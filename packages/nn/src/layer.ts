import { InvalidArgumentError, type Tensor } from '@bnkit/core';
import type { Parameter, StateTensor } from './state-tensor.js';

/**
 * One stage of a network with an explicit backward kernel (layer-wise backprop, no tape).
 *
 * Ownership: the caller (normally `Sequential`) owns the input x and the returned output, and keeps both
 * alive until `backward` has run; a layer may keep references to them for its backward pass but never
 * disposes them. Tensors a layer creates for itself (BatchNorm's batch mean and inverse std) it disposes.
 */
export interface Layer {
  /** What the layer is, e.g. `Conv2d(1→6, 5x5, stride 1x1, padding 0x0)`. */
  readonly description: string;
  /** In training mode the layer saves what its backward pass needs; in eval mode it saves nothing. */
  forward(x: Tensor, training: boolean): Promise<Tensor>;
  /**
   * Backward pass for the latest training-mode forward: stores parameter gradients and returns dx, or
   * undefined when `inputGradient` is false (a network's first layer needs no input gradient).
   */
  backward(dy: Tensor, inputGradient: boolean): Promise<Tensor | undefined>;
  /** Trainable tensors by local name (e.g. `weight`, `bias`). */
  parameters(): Readonly<Record<string, Parameter>>;
  /** Non-trainable state by local name (e.g. `runningMean`). */
  buffers(): Readonly<Record<string, StateTensor>>;
  /** Forgets (and frees) what the latest forward saved for a backward pass that will not come. */
  releaseSaved(): void;
  /** Frees parameters, buffers and saved tensors. */
  dispose(): void;
}

/** Layers in order, each with a name that prefixes its tensors (`conv1` → `conv1.weight`). */
export type NamedLayers = ReadonlyArray<readonly [name: string, layer: Layer]>;

/**
 * What a layer's training forward saved for its backward pass. Taking it clears it, so a second backward
 * for one forward fails loudly instead of reusing freed tensors.
 */
export class Saved<T> {
  #value: T | null = null;
  constructor(
    private readonly layer: string,
    private readonly free: (value: T) => void = () => undefined,
  ) {}

  set(value: T): void {
    this.clear();
    this.#value = value;
  }

  take(): T {
    const v = this.#value;
    if (v === null) {
      throw new InvalidArgumentError(`${this.layer}.backward needs a training-mode forward first (forward(x, true))`);
    }
    this.#value = null;
    return v;
  }

  clear(): void {
    if (this.#value !== null) this.free(this.#value);
    this.#value = null;
  }
}
