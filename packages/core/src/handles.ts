import { BackendClosedError, DisposedTensorError } from './errors.js';
import { formatShape } from './shape.js';
import type { Tensor } from './tensor.js';
import { describeValue } from './describe-value.js';

/** Whether `v` has the form of a tensor handle (whether it is a live one is the registry's question). */
export function isHandle(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && Array.isArray((v as Tensor).shape) && typeof (v as Tensor).dtype === 'string';
}

/** The handles of a kernel result: the result itself when it is one, else its tensor-valued fields. */
export function handlesOf(result: unknown): Tensor[] {
  if (isHandle(result)) return [result];
  if (!result || typeof result !== 'object') return [];
  return Object.values(result).filter(isHandle);
}

function describe(v: unknown): string {
  if (isHandle(v)) return `a tensor ${formatShape(v.shape)} of backend '${String(v.backend)}'`;
  return v === null || typeof v !== 'object' ? describeValue(v) : 'an object that is not a tensor handle';
}

/**
 * The handles one checked backend instance handed out (uploads, reshapes, kernel outputs), whether each is
 * still live, and whether the backend was closed. Lifecycle misuse is caught here, before the backend sees
 * the call, so it gets the same typed error on every backend. A WeakMap, so a dropped handle is not kept.
 */
export class HandleRegistry {
  readonly #live = new WeakMap<object, boolean>();
  #closed = false;

  constructor(private readonly backendName: string) {}

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  assertOpen(call: string): void {
    if (this.#closed) throw new BackendClosedError(`${call}: backend '${this.backendName}' is closed (used after close())`);
  }

  /** Registers the handles of a result: one tensor, or an object whose tensor-valued fields are handles. */
  issue<T>(result: T): T {
    for (const t of handlesOf(result)) this.#live.set(t, true);
    return result;
  }

  /** Throws DisposedTensorError unless `t` is a live handle of this backend instance. */
  assertLive(t: unknown, what: string): asserts t is Tensor {
    const live = typeof t === 'object' && t !== null ? this.#live.get(t) : undefined;
    if (live === undefined) {
      throw new DisposedTensorError(
        `${what}: ${describe(t)} was not created by this backend ('${this.backendName}' instance); handles never cross backend instances`,
      );
    }
    if (!live) throw new DisposedTensorError(`${what}: tensor ${formatShape((t as Tensor).shape)} was disposed already`);
  }

  retire(t: Tensor): void {
    this.#live.set(t, false);
  }
}
