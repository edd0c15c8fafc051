// backend-ts, except that dispose of an already disposed handle is silently accepted.
import { createBackend } from '@bnkit/backend-ts';
import { KERNEL_GROUPS, checked } from '@bnkit/core';
import { delegatingBackend } from '../delegating-backend.js';

export default async function createLenientDispose(options) {
  const base = await createBackend(options);
  const disposed = new WeakSet();
  const backend = delegatingBackend(base, {
    name: 'broken-lenient-dispose',
    device: { ...base.device, description: 'backend-ts that ignores a second dispose' },
    capabilities: base.capabilities,
    kernels: [...KERNEL_GROUPS.batchNorm, ...KERNEL_GROUPS.training],
  });
  // Replaces the checked wrapper's dispose, as a backend with its own lenient dispose would.
  backend.dispose = (t) => {
    if (disposed.has(t)) return;
    disposed.add(t);
    base.dispose(t);
  };
  return checked(backend);
}
