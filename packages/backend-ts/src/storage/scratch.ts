/*
 * Per-thread scratch buffers (packed panels, patch matrices), reused across calls so the hot loops never
 * allocate. Each thread (the main one and every worker) has its own module instance, hence its own buffers.
 * A buffer is only used synchronously inside one task, so reuse across calls is safe. Contents are
 * undefined on return: every user writes the whole range it reads.
 */
const buffers = new Map<string, Float32Array>();
const buffers64 = new Map<string, Float64Array>();

/** The buffer `name` of `pool`, replaced by a larger one from `make` when it holds fewer than `length` values. */
function reuse<T extends { readonly length: number }>(pool: Map<string, T>, make: (length: number) => T, name: string, length: number): T {
  let b = pool.get(name);
  if (!b || b.length < length) {
    b = make(length);
    pool.set(name, b);
  }
  return b;
}

export function scratch(name: string, length: number): Float32Array {
  return reuse(buffers, (n) => new Float32Array(n), name, length);
}

/**
 * Float64 scratch, for GEMM's packed panels: they hold float32 values (exactly representable), and loading
 * a float64 element skips the float32 → float64 conversion V8 emits for every Float32Array read in the
 * micro-kernel, which made LeNet-BN training 30–60 % faster with bit-identical results.
 */
export function scratch64(name: string, length: number): Float64Array {
  return reuse(buffers64, (n) => new Float64Array(n), name, length);
}
