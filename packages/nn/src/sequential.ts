import { InvalidArgumentError, ShapeError, formatShape, requireTraining, shapesEqual, sizeOf, type Backend, type Shape, type Tensor } from '@bnkit/core';
import type { Layer, NamedLayers } from './layer.js';
import { Parameter, type StateTensor } from './state-tensor.js';
import { summarise, type ModelSummary } from './summary.js';

/** Host copies of a model's parameters and running statistics, by qualified name. */
export type StateRecord = Record<string, Float32Array>;

export interface ForwardOptions {
  /** Training mode (batch statistics, saves for backward) or eval mode; default: the model's mode. */
  readonly training?: boolean;
}

export interface PredictOptions<O extends 'logits' | 'classes' = 'logits' | 'classes'> {
  /** `logits` (default): the last layer's output, row-major; `classes`: the index of each row's largest value. */
  readonly output?: O;
}

/**
 * The activations of the latest forward pass: in training mode entry i is layer i's output (null once
 * freed); in eval mode the only entry is the model's output.
 */
interface Pass {
  readonly training: boolean;
  readonly outputs: (Tensor | null)[];
  backwardDone: boolean;
}

/**
 * A chain of layers with layer-wise backprop. The model owns every intermediate tensor: the output of
 * `forward` stays valid until the next `forward`, `release()` or `dispose()` (do not dispose it yourself);
 * `backward` frees each intermediate activation and gradient as soon as the pass no longer needs it, so
 * memory stays flat from step to step.
 */
export class Sequential {
  readonly backend: Backend;
  readonly #layers: NamedLayers;
  #training = true;
  #pass: Pass | null = null;

  constructor(backend: Backend, layers: NamedLayers) {
    this.backend = backend;
    const seen = new Set<string>();
    for (const [name] of layers) {
      if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new InvalidArgumentError(`layer names must be identifiers (letters, digits, _), got ${JSON.stringify(name)}`);
      }
      if (seen.has(name)) throw new InvalidArgumentError(`layer name '${name}' is used twice`);
      seen.add(name);
    }
    if (layers.length === 0) throw new InvalidArgumentError('Sequential needs at least one layer');
    this.#layers = layers.map(([n, l]) => [n, l] as const);
  }

  /** True in training mode (the default for a new model, as in PyTorch). */
  get training(): boolean {
    return this.#training;
  }

  /** Training mode: `forward` uses batch statistics, updates the running ones and saves for `backward`. */
  train(): this {
    this.#training = true;
    return this;
  }

  /** Eval mode: `forward` normalises with the running statistics and changes no state. */
  eval(): this {
    this.#training = false;
    return this;
  }

  layers(): NamedLayers {
    return this.#layers;
  }

  /** The layer called `name`, e.g. `model.layer<BatchNorm>('bn1').gamma`. */
  layer<L extends Layer = Layer>(name: string): L {
    const found = this.#layers.find(([n]) => n === name);
    if (!found) {
      throw new InvalidArgumentError(`no layer named '${name}'; layers: ${this.#layers.map(([n]) => n).join(', ')}`);
    }
    return found[1] as L;
  }

  /** Trainable tensors in layer order, as [`layer.local`, parameter]. */
  namedParameters(): Array<[string, Parameter]> {
    return this.#layers.flatMap(([n, l]) => Object.entries(l.parameters()).map(([k, p]): [string, Parameter] => [`${n}.${k}`, p]));
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Non-trainable state (running statistics) in layer order, as [`layer.local`, tensor]. */
  namedBuffers(): Array<[string, StateTensor]> {
    return this.#layers.flatMap(([n, l]) => Object.entries(l.buffers()).map(([k, b]): [string, StateTensor] => [`${n}.${k}`, b]));
  }

  /** Parameters then buffers, the tensors that `state()` and checkpoints hold. */
  #stateTensors(): Array<[string, StateTensor]> {
    return [...this.namedParameters(), ...this.namedBuffers()];
  }

  /** Shape of every state tensor by name. */
  shapes(): Record<string, Shape> {
    return Object.fromEntries(this.#stateTensors().map(([n, t]) => [n, t.shape]));
  }

  /** One line per layer. */
  describe(): string {
    return this.#layers.map(([n, l]) => `${n}: ${l.description}`).join('\n');
  }

  /**
   * Parameters and buffers per layer with each layer's output shape, found by one eval-mode pass over a
   * zero batch of one example of `inputShape` (e.g. `[1, 28, 28]`); nothing in the model changes.
   */
  async summary(inputShape: Shape): Promise<ModelSummary> {
    if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new ShapeError(`summary needs the shape of one example without the batch axis, e.g. [1, 28, 28], got ${JSON.stringify(inputShape)}`);
    }
    const shape = [1, ...inputShape];
    const x = this.backend.upload(new Float32Array(sizeOf(shape)), shape);
    const outputShapes: Shape[] = [];
    try {
      this.backend.dispose(await this.#inference(x, (y) => outputShapes.push(y.shape)));
    } finally {
      this.backend.dispose(x);
    }
    return summarise(inputShape, this.#layers, outputShapes);
  }

  async forward(x: Tensor, options: ForwardOptions = {}): Promise<Tensor> {
    const training = options.training ?? this.#training;
    this.release();
    const pass: Pass = { training, outputs: [], backwardDone: false };
    this.#pass = pass;
    try {
      if (!training) {
        pass.outputs.push(await this.#inference(x));
        return pass.outputs[0] as Tensor;
      }
      let input = x;
      for (const [, layer] of this.#layers) {
        input = await layer.forward(input, true);
        pass.outputs.push(input);
      }
      return input;
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /**
   * Eval-mode pass that leaves no trace: each intermediate is freed once the next layer has consumed it,
   * layers save nothing, running statistics are only read, and the latest `forward` pass (a training pass
   * waiting for its `backward`, say) is not touched. The caller owns the result.
   */
  async #inference(x: Tensor, onLayer?: (y: Tensor) => void): Promise<Tensor> {
    let input = x;
    try {
      for (const [, layer] of this.#layers) {
        const y = await layer.forward(input, false);
        if (input !== x) this.backend.dispose(input);
        input = y;
        onLayer?.(y);
      }
      return input;
    } catch (e) {
      if (input !== x) this.backend.dispose(input);
      throw e;
    }
  }

  /**
   * Inference whatever the mode: an eval-mode pass on x (any batch size, one included) that changes no
   * running statistic, neither the mode nor the latest `forward` pass, and returns host values: logits
   * [N, classes] row-major, or with `output: 'classes'` each row's arg-max (first maximum on ties).
   */
  predict(x: Tensor, options?: PredictOptions<'logits'>): Promise<Float32Array>;
  predict(x: Tensor, options: PredictOptions<'classes'>): Promise<Int32Array>;
  async predict(x: Tensor, options: PredictOptions = {}): Promise<Float32Array | Int32Array> {
    const output = options.output ?? 'logits';
    if (output !== 'logits' && output !== 'classes') {
      throw new InvalidArgumentError(`predict output must be 'logits' or 'classes', got ${JSON.stringify(output)}`);
    }
    const logits = await this.#inference(x);
    try {
      if (output === 'logits') return (await this.backend.read(logits)) as Float32Array;
      const classes = await requireTraining(this.backend).argmax({ x: logits });
      try {
        return (await this.backend.read(classes)) as Int32Array;
      } finally {
        this.backend.dispose(classes);
      }
    } finally {
      this.backend.dispose(logits);
    }
  }

  /**
   * Backpropagates `dy` (the gradient of the loss with respect to the latest training-mode output) and
   * stores every parameter's gradient. `dy` stays the caller's.
   */
  async backward(dy: Tensor): Promise<void> {
    const pass = this.#pass;
    if (!pass || !pass.training) throw new InvalidArgumentError('backward needs a training-mode forward pass first');
    if (pass.backwardDone) throw new InvalidArgumentError('backward was already run for this forward pass');
    const out = pass.outputs[pass.outputs.length - 1];
    if (out && !shapesEqual(out.shape, dy.shape)) {
      throw new ShapeError(`backward: dy has shape ${formatShape(dy.shape)} but the output has shape ${formatShape(out.shape)}`);
    }
    pass.backwardDone = true;
    try {
      let grad: Tensor | undefined = dy;
      for (let i = this.#layers.length - 1; i >= 0 && grad; i--) {
        const dx: Tensor | undefined = await this.#layers[i][1].backward(grad, i > 0);
        if (grad !== dy) this.backend.dispose(grad);
        // Layer i's output was last needed by layers i+1 (as input) and i (sigmoid's y): both are done.
        const a = pass.outputs[i];
        if (i < this.#layers.length - 1 && a) {
          this.backend.dispose(a);
          pass.outputs[i] = null;
        }
        grad = dx;
      }
      if (grad && grad !== dy) this.backend.dispose(grad);
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /** Frees the activations and saved tensors of the latest forward pass (its output included). */
  release(): void {
    const pass = this.#pass;
    if (!pass) return;
    this.#pass = null;
    for (const [, layer] of this.#layers) layer.releaseSaved();
    for (const t of pass.outputs) if (t) this.backend.dispose(t);
  }

  /** Host copies of all parameters and running statistics. */
  async state(): Promise<StateRecord> {
    const entries = this.#stateTensors();
    const values = await Promise.all(entries.map(([, t]) => t.read()));
    return Object.fromEntries(entries.map(([n], i) => [n, values[i]]));
  }

  /**
   * Replaces every parameter and running statistic with the given host values. The record must name
   * exactly the model's state tensors, each with the right number of values; nothing changes otherwise.
   */
  loadState(record: Readonly<StateRecord>): void {
    const entries = this.#stateTensors();
    const expected = new Set(entries.map(([n]) => n));
    const missing = entries.filter(([n]) => !(n in record)).map(([n]) => n);
    const unknown = Object.keys(record).filter((n) => !expected.has(n));
    if (missing.length || unknown.length) {
      throw new InvalidArgumentError(
        `state does not match the model: ${missing.length ? `missing ${missing.join(', ')}` : ''}` +
          `${missing.length && unknown.length ? '; ' : ''}${unknown.length ? `unknown ${unknown.join(', ')}` : ''}`,
      );
    }
    for (const [n, t] of entries) {
      const v = record[n];
      if (!(v instanceof Float32Array) || v.length !== sizeOf(t.shape)) {
        throw new ShapeError(`state '${n}' must be a Float32Array of ${sizeOf(t.shape)} values (shape ${formatShape(t.shape)}), got ${describeValue(v)}`);
      }
    }
    this.release();
    for (const [n, t] of entries) {
      t.replace(this.backend.upload(record[n], t.shape));
      // A gradient of the old values means nothing for the new ones.
      if (t instanceof Parameter) t.clearGrad();
    }
  }

  /** Frees everything the model holds on the device; the model must not be used afterwards. */
  dispose(): void {
    this.release();
    for (const [, layer] of this.#layers) layer.dispose();
  }
}

function describeValue(v: unknown): string {
  if (v instanceof Float32Array) return `${v.length} values`;
  return v === null ? 'null' : typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v;
}
