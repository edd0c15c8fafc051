import type { TrainingKernels } from '@bnkit/core';
import { f32, i32, tensor } from '../../tensor.js';
import { sharedFloat32, sharedFloat32ForOverwrite } from '../../storage/shared.js';

/**
 * Mean softmax cross-entropy and its gradient. Per row, log-sum-exp with the row maximum subtracted keeps
 * every exp in (0, 1], so logits of ±1000 give a finite loss; sums run in float64.
 * dlogits = (softmax − onehot(label)) / N.
 */
export const softmaxCrossEntropy: TrainingKernels['softmaxCrossEntropy'] = async ({ logits, labels }) => {
  // `checked` has already validated the shapes, the dtypes and every label value.
  const [n, k] = logits.shape;
  const z = f32(logits);
  const lab = i32(labels);
  const dlogits = sharedFloat32ForOverwrite(n * k);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const label = lab[r];
    const o = r * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (z[o + j] > max) max = z[o + j];
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(z[o + j] - max);
    total += max + Math.log(sum) - z[o + label];
    const scale = 1 / (sum * n);
    for (let j = 0; j < k; j++) dlogits[o + j] = Math.exp(z[o + j] - max) * scale;
    dlogits[o + label] -= 1 / n;
  }
  const loss = sharedFloat32(1);
  loss[0] = total / n;
  return { loss: tensor(loss, [1]), dlogits: tensor(dlogits, [n, k]) };
};
