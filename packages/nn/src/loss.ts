import type { Tensor, TrainingBackend } from '@bnkit/core';

export interface CrossEntropy {
  /** Mean softmax cross-entropy over the batch. */
  readonly loss: number;
  /** Gradient of the mean loss with respect to the logits, [N, K]; the caller disposes it. */
  readonly dlogits: Tensor;
}

/** Softmax cross-entropy (mean over the batch) of logits [N, K] against int32 labels [N]. */
export async function crossEntropyLoss(backend: TrainingBackend, logits: Tensor, labels: Tensor): Promise<CrossEntropy> {
  const { loss, dlogits } = await backend.softmaxCrossEntropy({ logits, labels });
  try {
    return { loss: (await backend.read(loss))[0], dlogits };
  } finally {
    backend.dispose(loss);
  }
}
