import { batchNormLayout, type BatchNormLayout, type Tensor } from '@bnkit/core';

/**
 * How the element loops walk x, viewed as [outer, C, inner] (row-major, resolved by the contract's own
 * `batchNormLayout` so every backend agrees on which values share a channel). The values of channel c
 * are cut into `tiles` strided runs: run t starts at `t · tileStep + c · channelStep` and holds `length`
 * values (`lastLength` for the last run) `stride` apart. Every loop handles one run of one channel at a
 * time, with that channel's parameters in locals and its sums in registers.
 *
 *  - inner > 1 (NCHW, NCL, any axis but the last): one run per outer index, the `inner` contiguous values
 *    of the channel (stride 1).
 *  - inner == 1 (NC, NHWC, axis -1): rows hold one value of every channel side by side. Runs go down a
 *    block of rows (stride C), channel after channel, while the block stays in L1. Walking row by row
 *    instead needs per-channel accumulators in memory and measured 4× slower.
 */
export interface ChannelTiling {
  readonly channels: number;
  /** Values per channel (n of the statistics). */
  readonly count: number;
  readonly tiles: number;
  readonly tileStep: number;
  readonly channelStep: number;
  readonly stride: number;
  readonly length: number;
  readonly lastLength: number;
}

/** About 16 KiB of float32 per block of rows; at least 16 rows so a run amortises its call. */
const BLOCK_VALUES = 4096;
const MIN_BLOCK_ROWS = 16;

export function channelTiling(x: Tensor, axis: number): ChannelTiling {
  const layout: BatchNormLayout = batchNormLayout(x.shape, axis);
  const { channels, outer, inner, count } = layout;
  if (inner > 1 || channels === 1) {
    // A single channel is one contiguous run of every value: [outer, 1, inner] ≡ [1, 1, outer · inner].
    if (channels === 1) return { channels, count, tiles: 1, tileStep: 0, channelStep: 0, stride: 1, length: count, lastLength: count };
    return { channels, count, tiles: outer, tileStep: channels * inner, channelStep: inner, stride: 1, length: inner, lastLength: inner };
  }
  const rows = Math.max(MIN_BLOCK_ROWS, Math.floor(BLOCK_VALUES / channels));
  const tiles = Math.ceil(outer / rows);
  return {
    channels, count, tiles, tileStep: rows * channels, channelStep: 1, stride: channels,
    length: rows, lastLength: outer - (tiles - 1) * rows,
  };
}
