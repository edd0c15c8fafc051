import { SPECIFICATION_VERSION, checked } from '@bnkit/core';

/**
 * A backend built on another one, as a third-party backend layered on bnkit's would be: its own name,
 * device and capabilities, every handle call and each kernel named in `kernels` forwarded to `base`, and
 * `overrides` (kernel name → implementation) in place of the forwarded ones.
 */
export function delegatingBackend(base, { name, device, capabilities, kernels, overrides = {} }) {
  const impl = {
    specificationVersion: SPECIFICATION_VERSION,
    name,
    device,
    capabilities,
    upload: (data, shape, dtype) => base.upload(data, shape, dtype),
    read: (t) => base.read(t),
    reshape: (t, shape) => base.reshape(t, shape),
    dispose: (t) => base.dispose(t),
    memory: () => base.memory(),
    close: () => base.close(),
  };
  for (const k of kernels) impl[k] = (...args) => base[k](...args);
  return checked(Object.assign(impl, overrides));
}
