import { batchNormAttrs, type Backend, type BatchNormAttrs, type Tensor } from '@bnkit/core';
import { Saved, type Layer } from '../layer.js';
import { Parameter, StateTensor } from '../state-tensor.js';
import { booleanOr, intAtLeast } from './check.js';

export interface BatchNormOptions extends Partial<BatchNormAttrs> {
  /** Channels along `axis` (PyTorch's num_features). */
  readonly numFeatures: number;
  /**
   * Learn gamma and beta (default true). false freezes them at 1 and 0, like PyTorch's `affine=False`:
   * the kernels still read them, but they are not parameters (no gradient, no update, not in
   * `parameters()` or checkpoints).
   */
  readonly affine?: boolean;
}

interface BatchNormSaved {
  readonly x: Tensor;
  /** Owned by the layer: created by the forward kernel for the backward kernel. */
  readonly mean: Tensor;
  readonly invStd: Tensor;
}

/**
 * Batch normalisation over any channel axis. Training mode normalises with the batch statistics and
 * updates the running ones; eval mode normalises with the running statistics. Attributes follow the
 * bnkit conventions (`batchNormAttrs`): momentum is the weight of the OLD running value (PyTorch's 0.1 is
 * 0.9 here), the running variance is unbiased by default. gamma starts at 1, beta at 0, the running mean
 * at 0 and the running variance at 1. Needs only the batchNorm kernel group.
 */
export class BatchNorm implements Layer {
  readonly description: string;
  readonly numFeatures: number;
  readonly attrs: BatchNormAttrs;
  readonly affine: boolean;
  readonly gamma: Parameter;
  readonly beta: Parameter;
  readonly runningMean: StateTensor;
  readonly runningVar: StateTensor;
  readonly #backend: Backend;
  readonly #saved: Saved<BatchNormSaved>;
  #batchesTracked = 0;

  constructor(backend: Backend, options: BatchNormOptions) {
    const { numFeatures, affine, ...partial } = options;
    const c = intAtLeast(numFeatures, 1, 'BatchNorm numFeatures');
    this.numFeatures = c;
    this.attrs = batchNormAttrs(partial);
    this.affine = booleanOr(affine, true, 'BatchNorm affine');
    this.#backend = backend;
    const filled = (v: number): Tensor => backend.upload(new Float32Array(c).fill(v), [c]);
    this.gamma = new Parameter(backend, filled(1));
    this.beta = new Parameter(backend, filled(0));
    this.runningMean = new StateTensor(backend, filled(0));
    this.runningVar = new StateTensor(backend, filled(1));
    this.#saved = new Saved('BatchNorm', (s) => this.#freeBatchStatistics(s));
    const a = this.attrs;
    this.description = `BatchNorm(${c}, axis ${a.axis}, eps ${a.eps}, momentum ${a.momentum}, runningVar ${a.runningVar}${this.affine ? '' : ', affine false'})`;
  }

  /**
   * Training-mode forward passes so far: PyTorch's `num_batches_tracked`, kept for weight exchange only
   * (with a fixed momentum neither framework reads it). A host counter, not a buffer: bnkit checkpoints
   * hold float32 tensors and do not carry it.
   */
  get batchesTracked(): number {
    return this.#batchesTracked;
  }

  set batchesTracked(n: number) {
    this.#batchesTracked = intAtLeast(n, 0, 'BatchNorm batchesTracked');
  }

  /** The channel axis, as given (negative counts from the end). */
  get axis(): number {
    return this.attrs.axis;
  }

  async forward(x: Tensor, training: boolean): Promise<Tensor> {
    const inputs = {
      x, gamma: this.gamma.value, beta: this.beta.value, runningMean: this.runningMean.value, runningVar: this.runningVar.value,
    };
    if (!training) return this.#backend.batchNormEval(inputs, this.attrs);
    const out = await this.#backend.batchNormTrain(inputs, this.attrs);
    this.runningMean.replace(out.runningMean);
    this.runningVar.replace(out.runningVar);
    this.#batchesTracked++;
    this.#saved.set({ x, mean: out.mean, invStd: out.invStd });
    return out.y;
  }

  async backward(dy: Tensor, inputGradient: boolean): Promise<Tensor | undefined> {
    const s = this.#saved.take();
    try {
      const g = await this.#backend.batchNormTrainBackward({ x: s.x, dy, gamma: this.gamma.value, mean: s.mean, invStd: s.invStd }, this.attrs);
      if (this.affine) {
        this.gamma.setGrad(g.dgamma);
        this.beta.setGrad(g.dbeta);
      } else {
        this.#backend.dispose(g.dgamma);
        this.#backend.dispose(g.dbeta);
      }
      if (inputGradient) return g.dx;
      this.#backend.dispose(g.dx);
      return undefined;
    } finally {
      this.#freeBatchStatistics(s);
    }
  }

  /** The batch mean and inverse std are the layer's own (made by the forward kernel for the backward one). */
  #freeBatchStatistics(s: BatchNormSaved): void {
    this.#backend.dispose(s.mean);
    this.#backend.dispose(s.invStd);
  }

  parameters(): Readonly<Record<string, Parameter>> {
    return this.affine ? { gamma: this.gamma, beta: this.beta } : {};
  }

  buffers(): Readonly<Record<string, StateTensor>> {
    return { runningMean: this.runningMean, runningVar: this.runningVar };
  }

  releaseSaved(): void {
    this.#saved.clear();
  }

  dispose(): void {
    this.releaseSaved();
    this.gamma.dispose();
    this.beta.dispose();
    this.runningMean.dispose();
    this.runningVar.dispose();
  }
}
