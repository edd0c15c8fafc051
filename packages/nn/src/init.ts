import type { Rng } from '@bnkit/core';

/**
 * Xavier/Glorot uniform initialisation, as `torch.nn.init.xavier_uniform_`: U(−a, a) with
 * a = sqrt(6 / (fanIn + fanOut)), where the fans include the receptive field (kh·kw) for convolutions.
 */
export function xavierUniform(size: number, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = (2 * rng() - 1) * bound;
  return w;
}
