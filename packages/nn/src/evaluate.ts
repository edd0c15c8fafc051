import { requireTraining } from '@bnkit/core';
import { countCorrect, uploadBatch, validateLabeledImages, type LabeledImages } from './data.js';
import { intAtLeast } from './layers/check.js';
import { crossEntropyLoss } from './loss.js';
import type { Sequential } from './sequential.js';

export interface EvaluateOptions {
  /** Examples per forward pass; default 256. */
  readonly batchSize?: number;
}

export interface Evaluation {
  /** Mean softmax cross-entropy over all examples. */
  readonly loss: number;
  /** Fraction of examples whose largest logit is the label. */
  readonly acc: number;
}

/** Loss and accuracy of the model in eval mode (running statistics), in order, in batches. */
export async function evaluate(model: Sequential, data: LabeledImages, options: EvaluateOptions = {}): Promise<Evaluation> {
  validateLabeledImages(data, 'evaluate data');
  const batchSize = intAtLeast(options.batchSize ?? 256, 1, 'evaluate batchSize');
  const backend = requireTraining(model.backend);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const batch = uploadBatch(backend, data, null, start, Math.min(start + batchSize, data.count));
    try {
      const logits = await model.forward(batch.x, { training: false });
      const predicted = await backend.argmax({ x: logits });
      try {
        const { loss, dlogits } = await crossEntropyLoss(backend, logits, batch.labels);
        backend.dispose(dlogits);
        lossSum += loss * batch.size;
        correct += countCorrect((await backend.read(predicted)) as Int32Array, batch.hostLabels);
      } finally {
        backend.dispose(predicted);
      }
    } finally {
      model.release();
      batch.dispose();
    }
  }
  return { loss: lossSum / data.count, acc: correct / data.count };
}
