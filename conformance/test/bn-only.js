// backend-ts exposing only the BatchNorm kernel group, as a BatchNorm-only third-party backend would.
import { createBackend } from '@bnkit/backend-ts';
import { KERNEL_GROUPS, SPECIFICATION_VERSION, checked } from '@bnkit/core';

export default async function createBnOnlyBackend(options) {
  const base = await createBackend(options);
  const impl = {
    specificationVersion: SPECIFICATION_VERSION,
    name: 'bn-only',
    device: base.device,
    capabilities: ['batchNorm'],
    upload: (data, shape, dtype) => base.upload(data, shape, dtype),
    read: (t) => base.read(t),
    reshape: (t, shape) => base.reshape(t, shape),
    dispose: (t) => base.dispose(t),
    memory: () => base.memory(),
    close: () => base.close(),
  };
  for (const k of KERNEL_GROUPS.batchNorm) impl[k] = (...args) => base[k](...args);
  return checked(impl);
}
