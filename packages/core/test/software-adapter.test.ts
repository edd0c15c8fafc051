import { describe, expect, it } from 'vitest';
import { softwareRenderer } from '@bnkit/core';

describe('softwareRenderer', () => {
  it.each([
    // What Dawn reports for Mesa's lavapipe (Debian 12, Mesa 25 from backports).
    [{ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' }, 'llvmpipe'],
    [{ vendor: 'google', architecture: 'swiftshader', device: 'SwiftShader Device (Subzero)', description: '' }, 'swiftshader'],
    [{ vendor: 'mesa', architecture: '', device: '', description: 'lavapipe (software Vulkan)' }, 'lavapipe'],
    [{ vendor: 'unknown', architecture: 'software', device: '', description: '' }, 'software'],
  ])('names %j a software renderer', (info, renderer) => {
    expect(softwareRenderer(info)).toBe(renderer);
  });

  it.each([
    [{ vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'NVIDIA: 550.54.15 550.54.15.0' }],
    [{ vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', description: 'radv: Mesa 25.0.7' }],
    [{ vendor: 'apple', architecture: 'metal-3', device: '', description: 'Apple M2' }],
    [{}],
  ])('takes %j for a GPU', (info) => {
    expect(softwareRenderer(info)).toBeUndefined();
  });
});
