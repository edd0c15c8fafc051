// backend-ts whose softmaxCrossEntropy checks the labels itself, before checked() can, and throws its own
// error type (a RangeError without a bnkit code) for an out-of-range label.
import { createBackend } from '@bnkit/backend-ts';
import { KERNEL_GROUPS } from '@bnkit/core';
import { delegatingBackend } from '../delegating-backend.js';

export default async function createOwnLabelError(options) {
  const base = await createBackend(options);
  const backend = delegatingBackend(base, {
    name: 'broken-own-label-error',
    device: { ...base.device, description: 'backend-ts with its own label error' },
    capabilities: base.capabilities,
    kernels: [...KERNEL_GROUPS.batchNorm, ...KERNEL_GROUPS.training],
  });
  const softmaxCrossEntropy = backend.softmaxCrossEntropy;
  backend.softmaxCrossEntropy = async (inputs) => {
    const labels = await base.read(inputs.labels);
    const k = inputs.logits.shape[1];
    if (labels.some((l) => l >= k)) throw new RangeError(`label out of range`);
    return softmaxCrossEntropy(inputs);
  };
  return backend;
}
