import { InvalidArgumentError, requireTraining, type Backend, type Tensor, type TrainingBackend } from '@bnkit/core';
import { booleanOr } from './layers/check.js';
import type { Optimizer } from './optimizer.js';
import type { Parameter } from './state-tensor.js';

/** The terms beyond the learning rate, with torch.optim.SGD's names and defaults (all off). */
export interface MomentumTerms {
  /** Weight of the previous buffer, in [0, 1); default 0. */
  readonly momentum?: number;
  /** Damps the new gradient's share of the buffer, in [0, 1]; default 0. */
  readonly dampening?: number;
  /** L2 penalty added to the gradient, >= 0; default 0. */
  readonly weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0, as in PyTorch); default false. */
  readonly nesterov?: boolean;
}

export interface MomentumSgdOptions extends MomentumTerms {
  /** Learning rate, a finite number. */
  readonly lr: number;
}

function inRange(value: number | undefined, what: string, ok: (v: number) => boolean, allowed: string): number {
  const v = value ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new InvalidArgumentError(`MomentumSGD ${what} must be ${allowed}, got ${String(value)}`);
  return v;
}

/**
 * SGD with momentum, dampening, weight decay and Nesterov momentum, with torch.optim.SGD's exact update:
 *
 *     g = grad + weightDecay·p
 *     buf = g on the first step, else momentum·buf + (1 − dampening)·g
 *     g = nesterov ? g + momentum·buf : buf        (g itself when momentum is 0)
 *     p = p − lr·g
 *
 * Every line is the contract's one update kernel, `sgd` (a − c·b), with a chosen c, so any backend that
 * passes the training profile runs it unchanged: a + c·b is sgd with lr −c, (1 − d)·g is g − d·g, and the
 * first buffer is an independent handle on g's data (`reshape` to the same shape), an exact copy.
 */
export class MomentumSGD implements Optimizer {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly #backend: TrainingBackend;
  readonly #buffers = new Map<Parameter, Tensor>();

  constructor(backend: Backend, options: MomentumSgdOptions) {
    this.lr = inRange(options.lr, 'lr', () => true, 'a finite number');
    this.momentum = inRange(options.momentum, 'momentum', (v) => v >= 0 && v < 1, 'in [0, 1)');
    this.dampening = inRange(options.dampening, 'dampening', (v) => v >= 0 && v <= 1, 'in [0, 1]');
    this.weightDecay = inRange(options.weightDecay, 'weightDecay', (v) => v >= 0, 'a finite number >= 0');
    this.nesterov = booleanOr(options.nesterov, false, 'MomentumSGD nesterov');
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new InvalidArgumentError(`MomentumSGD nesterov needs momentum > 0 and dampening 0, got momentum ${this.momentum}, dampening ${this.dampening}`);
    }
    this.#backend = requireTraining(backend);
  }

  /** Updates every parameter that has a gradient; frees the old values, the gradients and every temporary. */
  async step(parameters: Iterable<Parameter>): Promise<void> {
    await Promise.all([...parameters].filter((p) => p.grad !== null).map((p) => this.#update(p)));
  }

  async #update(p: Parameter): Promise<void> {
    const b = this.#backend;
    const axpy = (a: Tensor, c: number, x: Tensor): Promise<Tensor> => b.sgd({ param: a, grad: x }, { lr: -c }); // a + c·x
    const temporaries: Tensor[] = [];
    const keep = (t: Tensor): Tensor => (temporaries.push(t), t);
    try {
      let g = p.grad!;
      if (this.weightDecay !== 0) g = keep(await axpy(g, this.weightDecay, p.value));
      if (this.momentum !== 0) {
        const previous = this.#buffers.get(p);
        let buf: Tensor;
        if (!previous) buf = b.reshape(g, g.shape);
        else {
          const damped = this.dampening === 0 ? g : keep(await axpy(g, -this.dampening, g));
          buf = await axpy(damped, this.momentum, previous);
          b.dispose(previous);
        }
        this.#buffers.set(p, buf);
        g = this.nesterov ? keep(await axpy(g, this.momentum, buf)) : buf;
      }
      p.replace(await b.sgd({ param: p.value, grad: g }, { lr: this.lr }));
    } finally {
      for (const t of temporaries) b.dispose(t);
      p.clearGrad();
    }
  }

  /** The momentum buffer of a parameter, host copy (null before its first step or without momentum). */
  async buffer(p: Parameter): Promise<Float32Array | null> {
    const t = this.#buffers.get(p);
    return t ? ((await this.#backend.read(t)) as Float32Array) : null;
  }

  dispose(): void {
    for (const t of this.#buffers.values()) this.#backend.dispose(t);
    this.#buffers.clear();
  }
}
