import { requireTraining, type Backend, type ParameterGradients, type Shape, type Tensor, type TrainingBackend } from '@bnkit/core';
import { Saved, type Layer } from '../layer.js';
import { Parameter } from '../state-tensor.js';

/**
 * A layer with a weight and a bias whose backward pass needs only its input x (Conv2d, Linear). The
 * subclass names the forward and backward kernels; parameter bookkeeping lives here once.
 *
 * Without a bias (PyTorch's `bias=False`, e.g. before a BatchNorm that cancels it) the kernels, which
 * always take one, get a zero tensor that is not a parameter: it gets no gradient, no update, and is not
 * in `parameters()` or checkpoints.
 */
export abstract class WeightedLayer implements Layer {
  readonly weight: Parameter;
  /** Trained only when `hasBias`; otherwise zeros the kernels read (see the class comment). */
  readonly bias: Parameter;
  readonly hasBias: boolean;
  protected readonly backend: TrainingBackend;
  readonly #saved: Saved<Tensor>;

  protected constructor(
    backend: Backend,
    readonly description: string,
    weight: Float32Array,
    weightShape: Shape,
    hasBias = true,
  ) {
    this.backend = requireTraining(backend);
    this.weight = new Parameter(backend, backend.upload(weight, weightShape));
    // Biases start at zero (d2l's and bnkit's convention; PyTorch draws them uniformly).
    this.bias = new Parameter(backend, backend.upload(new Float32Array(weightShape[0]), [weightShape[0]]));
    this.hasBias = hasBias;
    this.#saved = new Saved(description);
  }

  protected abstract apply(x: Tensor): Promise<Tensor>;
  protected abstract gradients(x: Tensor, dy: Tensor, inputGradient: boolean): Promise<ParameterGradients>;

  async forward(x: Tensor, training: boolean): Promise<Tensor> {
    const y = await this.apply(x);
    if (training) this.#saved.set(x);
    return y;
  }

  async backward(dy: Tensor, inputGradient: boolean): Promise<Tensor | undefined> {
    const g = await this.gradients(this.#saved.take(), dy, inputGradient);
    this.weight.setGrad(g.dweight);
    if (this.hasBias) this.bias.setGrad(g.dbias);
    else this.backend.dispose(g.dbias);
    if (inputGradient) return g.dx;
    // Some kernels always compute dx; an unwanted one is freed at once.
    if (g.dx) this.backend.dispose(g.dx);
    return undefined;
  }

  parameters(): Readonly<Record<string, Parameter>> {
    return this.hasBias ? { weight: this.weight, bias: this.bias } : { weight: this.weight };
  }

  buffers(): Readonly<Record<string, never>> {
    return {};
  }

  releaseSaved(): void {
    this.#saved.clear();
  }

  dispose(): void {
    this.releaseSaved();
    this.weight.dispose();
    this.bias.dispose();
  }
}
