// backend-ts (or one of the planted faults) with every kernel delayed by BNKIT_TEST_DELAY_MS: what a loaded
// machine or a slow device looks like to the suite. BNKIT_TEST_BASE names a module under test/ to wrap.
import { KERNEL_GROUPS } from '@bnkit/core';
import { delegatingBackend } from './delegating-backend.js';

export default async function createBackend(options) {
  const ms = Number(process.env.BNKIT_TEST_DELAY_MS ?? 0);
  const baseModule = process.env.BNKIT_TEST_BASE ? await import(new URL(process.env.BNKIT_TEST_BASE, import.meta.url).href) : await import('@bnkit/backend-ts');
  const base = await baseModule.default(options);
  const kernels = [...KERNEL_GROUPS.batchNorm, ...KERNEL_GROUPS.training];
  const delayed = (k) => async (...args) => {
    await new Promise((r) => setTimeout(r, ms));
    return base[k](...args);
  };
  return delegatingBackend(base, {
    name: base.name,
    device: base.device,
    capabilities: base.capabilities,
    kernels,
    overrides: Object.fromEntries(kernels.map((k) => [k, delayed(k)])),
  });
}
