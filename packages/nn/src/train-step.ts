import { requireTraining, type Tensor } from '@bnkit/core';
import { crossEntropyLoss } from './loss.js';
import type { Optimizer } from './optimizer.js';
import type { Sequential } from './sequential.js';
import { SGD } from './sgd.js';

export interface BatchResult {
  /** Mean loss of the batch, from the training-mode forward pass. */
  readonly loss: number;
  /** Predicted class per example, from the same forward pass (before the update). */
  readonly predictions: Int32Array;
}

/**
 * One optimizer step on a batch: training-mode forward, softmax cross-entropy, layer-wise backward, update.
 * Every tensor the step creates is freed before it returns (x and labels stay the caller's).
 */
export async function trainBatch(model: Sequential, x: Tensor, labels: Tensor, optimizer: Optimizer): Promise<BatchResult> {
  const backend = requireTraining(model.backend);
  const logits = await model.forward(x, { training: true });
  const predicted = await backend.argmax({ x: logits });
  try {
    const { loss, dlogits } = await crossEntropyLoss(backend, logits, labels);
    try {
      await model.backward(dlogits);
    } finally {
      backend.dispose(dlogits);
    }
    await optimizer.step(model.parameters());
    return { loss, predictions: (await backend.read(predicted)) as Int32Array };
  } finally {
    model.release();
    backend.dispose(predicted);
  }
}

/** One SGD step with learning rate `lr`; returns the batch's mean loss. */
export async function trainStep(model: Sequential, x: Tensor, labels: Tensor, lr: number): Promise<number> {
  return (await trainBatch(model, x, labels, new SGD(model.backend, { lr }))).loss;
}
