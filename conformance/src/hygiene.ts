import type { Backend, MemoryInfo } from '@bnkit/core';
import { messageOf } from './kernel-errors.js';

/*
 * Resource hygiene: every check must leave the backend holding what it held before the check, live handles
 * and bytes alike (`memory()`, as the backend reports it). The suite disposes everything it made, so any
 * difference is the backend's: tensors made and never handed out, handles kept alive by a kernel, or a
 * `memory()` that cannot be read. The runner asks after every check; a difference fails that check.
 */

/** What memory() said, or why it could not be read. */
export type MemoryReading = { readonly ok: true; readonly memory: MemoryInfo } | { readonly ok: false; readonly why: string };

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Reads memory() of the backend as its factory returned it; a throw or a malformed answer is the backend's fault. */
export function readMemory(backend: Backend): MemoryReading {
  let memory: unknown;
  try {
    if (typeof backend.memory !== 'function') return { ok: false, why: 'the backend has no memory() method (the contract requires one)' };
    memory = backend.memory();
  } catch (e) {
    return { ok: false, why: `memory() threw ${messageOf(e)}` };
  }
  const m = memory as Partial<MemoryInfo> | null;
  if (!m || typeof m !== 'object' || !isCount(m.tensors) || !isCount(m.bytes)) {
    return { ok: false, why: `memory() returned ${JSON.stringify(memory) ?? String(memory)}, not { tensors, bytes } as non-negative integers` };
  }
  return { ok: true, memory: { tensors: m.tensors, bytes: m.bytes } };
}

/**
 * Why the backend's resources after a check differ from those before it, or undefined when they match.
 * The message says how much was leaked (or freed that the check did not own).
 */
export function hygieneViolation(before: MemoryReading, after: MemoryReading): string | undefined {
  if (!before.ok) return `resource hygiene: before the check, ${before.why}`;
  if (!after.ok) return `resource hygiene: after the check, ${after.why}`;
  const dt = after.memory.tensors - before.memory.tensors;
  const db = after.memory.bytes - before.memory.bytes;
  if (dt === 0 && db === 0) return undefined;
  const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
  return (
    `resource hygiene: ${signed(dt)} live tensors and ${signed(db)} bytes after the check than before it ` +
    `(${before.memory.tensors} tensors, ${before.memory.bytes} bytes → ${after.memory.tensors} tensors, ${after.memory.bytes} bytes); ` +
    'the suite disposes every handle it receives, so the backend ' + (dt > 0 || db > 0 ? 'leaked them' : 'freed handles it had not been asked to')
  );
}
