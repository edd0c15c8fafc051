// backend-ts exposing only the BatchNorm kernel group, as a BatchNorm-only third-party backend would.
import { createBackend } from '@bnkit/backend-ts';
import { KERNEL_GROUPS } from '@bnkit/core';
import { delegatingBackend } from './delegating-backend.js';

export default async function createBnOnlyBackend(options) {
  const base = await createBackend(options);
  return delegatingBackend(base, { name: 'bn-only', device: base.device, capabilities: ['batchNorm'], kernels: KERNEL_GROUPS.batchNorm });
}
