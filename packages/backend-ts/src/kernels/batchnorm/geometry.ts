import { batchNormLayout, type BatchNormLayout, type Tensor } from '@bnkit/core';

/**
 * x viewed as [outer, channels, inner] (row-major), resolved by the contract's own `batchNormLayout`, so
 * every backend agrees on which values share a channel.
 *
 * The loops in `channel-loops.ts` come in two forms, one per shape of that view:
 *  - inner > 1 (NCHW, NCL, any axis before the last): each channel owns `outer` contiguous runs of
 *    `inner` values, so a run is processed with channel-invariant locals and no per-element lookup;
 *  - inner == 1 (NC, NHWC, axis -1): each of the `outer` rows holds one value of every channel side by
 *    side, so the loop walks a row and indexes the per-channel arrays by position.
 */
export type ChannelGeometry = BatchNormLayout;

export function channelGeometry(x: Tensor, axis: number): ChannelGeometry {
  const layout = batchNormLayout(x.shape, axis);
  // A single channel is one contiguous run of every value: [outer, 1, inner] ≡ [1, 1, outer·inner].
  // Folding it keeps e.g. [N, 1] out of the row form, whose per-channel accumulator would then be one
  // serial chain through memory.
  if (layout.channels === 1 && layout.outer > 1) return { ...layout, outer: 1, inner: layout.count };
  return layout;
}
