import { requireTraining, type Tensor } from '@bnkit/core';
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
 * The loss and the predictions are read together once the update is queued: an asynchronous backend (a GPU)
 * then runs the whole step without the host waiting in the middle of it, so the device never idles while the
 * host encodes backward. Tensors are immutable, so the values read are the forward pass's.
 * Every tensor the step creates is freed before it returns (x and labels stay the caller's).
 */
export async function trainBatch(model: Sequential, x: Tensor, labels: Tensor, optimizer: Optimizer): Promise<BatchResult> {
  const backend = requireTraining(model.backend);
  const held: Tensor[] = [];
  try {
    const logits = await model.forward(x, { training: true });
    const predicted = await backend.argmax({ x: logits });
    held.push(predicted);
    const { loss, dlogits } = await backend.softmaxCrossEntropy({ logits, labels });
    held.push(loss);
    try {
      await model.backward(dlogits);
    } finally {
      backend.dispose(dlogits);
    }
    await optimizer.step(model.parameters());
    const [lossValue, predictions] = await Promise.all([backend.read(loss), backend.read(predicted)]);
    return { loss: lossValue[0], predictions: predictions as Int32Array };
  } finally {
    model.release();
    for (const t of held) backend.dispose(t);
  }
}

/** One SGD step with learning rate `lr`; returns the batch's mean loss. */
export async function trainStep(model: Sequential, x: Tensor, labels: Tensor, lr: number): Promise<number> {
  return (await trainBatch(model, x, labels, new SGD(model.backend, { lr }))).loss;
}
