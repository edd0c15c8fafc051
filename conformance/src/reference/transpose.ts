import { stridesOf, type Shape } from '@bnkit/core';

/** Moves axis `from` to position `to` (the others keep their order): the permutation used by check 2. */
export function moveAxisPermutation(rank: number, from: number, to: number): number[] {
  const rest = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== from);
  rest.splice(to, 0, from);
  return rest;
}

/** Host transpose: result axis i is input axis perm[i]. */
export function transpose(data: ArrayLike<number>, shape: Shape, perm: readonly number[]): { data: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]);
  const inStrides = stridesOf(shape);
  const outStrides = stridesOf(outShape);
  const out = new Float32Array(data.length);
  const index = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    let rem = flat;
    let src = 0;
    for (let d = 0; d < outShape.length; d++) {
      index[d] = Math.floor(rem / outStrides[d]);
      rem -= index[d] * outStrides[d];
      src += index[d] * inStrides[perm[d]];
    }
    out[flat] = data[src];
  }
  return { data: out, shape: outShape };
}

/** The permutation that undoes `perm`. */
export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}
