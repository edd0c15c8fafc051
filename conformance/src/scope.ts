import type { Backend, DType, Shape, Tensor } from '@bnkit/core';

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'dtype' in v && 'backend' in v;
}

/**
 * Tracks every handle a check creates (uploads and kernel results) and disposes them all at the end, so a
 * conformance run leaves no live tensors on a GPU backend whatever path it takes.
 */
export class TensorScope {
  private readonly owned = new Set<Tensor>();
  constructor(readonly backend: Backend) {}

  upload(data: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
    const host = dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
    return this.track(this.backend.upload(host, shape, dtype));
  }

  /** Registers a kernel result: one tensor, or an object whose tensor-valued fields are registered. */
  track<T>(result: T): T {
    if (isTensor(result)) this.owned.add(result);
    else if (result && typeof result === 'object') {
      for (const v of Object.values(result)) if (isTensor(v)) this.owned.add(v);
    }
    return result;
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    return this.backend.read(t);
  }

  dispose(): void {
    for (const t of this.owned) this.backend.dispose(t);
    this.owned.clear();
  }
}

/** Runs `body` with a fresh scope and always disposes what it tracked. */
export async function withScope<T>(backend: Backend, body: (scope: TensorScope) => Promise<T>): Promise<T> {
  const scope = new TensorScope(backend);
  try {
    return await body(scope);
  } finally {
    scope.dispose();
  }
}
