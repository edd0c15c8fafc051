import { KERNEL_GROUPS, type KernelGroup } from '@bnkit/core';

/*
 * Errors are recognised by their stable `code`, not by instanceof: a third-party backend may bring its own
 * copy of @bnkit/core, whose classes are not ours.
 */

export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The kernel name of a NotImplementedKernelError (possibly a comma-separated list), else undefined. */
export function missingKernelOf(e: unknown): string | undefined {
  if (errorCode(e) !== 'NOT_IMPLEMENTED') return undefined;
  const kernel = (e as { kernel?: unknown }).kernel;
  return typeof kernel === 'string' ? kernel : 'unknown kernel';
}

export function groupOfKernel(kernel: string): KernelGroup | undefined {
  const first = kernel.split(',')[0].trim();
  return (Object.keys(KERNEL_GROUPS) as KernelGroup[]).find((g) => KERNEL_GROUPS[g].includes(first));
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
