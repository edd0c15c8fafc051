import { describe, expect, it } from 'vitest';
import { LENET_BN_FLOPS, LENET_BN_LAYERS, LENET_INPUT, countFlops } from '../dist/bench/flops.js';

describe('FLOP count', () => {
  it('matches a hand count for LeNet-BN', () => {
    // conv1: 6 maps of 24×24, each output a 1×5×5 window; conv2: 16 maps of 8×8 over 6×5×5 windows
    // (after pooling 24 → 12); fc1 256→120 (16×4×4 after pooling 8 → 4); fc2 120→84; fc3 84→10.
    const macs = { conv1: 6 * 24 * 24 * 25, conv2: 16 * 8 * 8 * 6 * 25, fc1: 256 * 120, fc2: 120 * 84, fc3: 84 * 10 };
    expect(LENET_BN_FLOPS.macsPerLayer).toEqual(macs);
    expect(LENET_BN_FLOPS.forward).toBe(2 * 281_640);
    // Forward, input gradient and weight gradient: the ≈ 1.69 MFLOP per example of docs/lenet-bn.md.
    expect(LENET_BN_FLOPS.training).toBe(1_689_840);
    expect(countFlops(LENET_BN_LAYERS, LENET_INPUT)).toEqual(LENET_BN_FLOPS);
  });

  it('follows the shapes of another architecture', () => {
    const flops = countFlops(
      [
        { kind: 'conv', name: 'c', out: 4, kernel: 3 },
        { kind: 'pool', name: 'p', size: 2 },
        { kind: 'linear', name: 'l', out: 5 },
      ],
      [2, 10, 10],
    );
    // 10×10 → conv k3 → 8×8 (4 maps, 2×3×3 windows) → pool → 4×4×4 = 64 features → 5.
    expect(flops.macsPerLayer).toEqual({ c: 4 * 8 * 8 * 2 * 9, l: 64 * 5 });
    expect(flops.training).toBe(3 * 2 * (4 * 8 * 8 * 18 + 320));
  });
});
