import { describe, expect, it } from 'vitest';
import { divergenceWatch } from '../dist/ui/divergence.js';

const batch = (batch: number, loss: number) => ({ epoch: 2, batch, batches: 9, examples: batch * 8, examplesPerSecond: 1, seconds: batch * 8, etaSeconds: 1, loss });

describe('divergenceWatch', () => {
  it('names the first batch whose loss is not finite, once', () => {
    const lines: string[] = [];
    const watch = divergenceWatch({ write: (t: string) => lines.push(t) }, 1e38, 'LeNet, lr 1e38');
    watch(batch(1, 2.3));
    watch(batch(2, Infinity));
    watch(batch(3, NaN));
    expect(lines).toEqual(['the loss became Infinity at epoch 2, batch 2/9 (lr 1e+38): LeNet, lr 1e38 diverged; a smaller learning rate may help\n']);
  });

  it('starts a fresh line on a terminal, where the progress bar owns the current one', () => {
    const lines: string[] = [];
    divergenceWatch({ isTTY: true, write: (t: string) => lines.push(t) }, 1)(batch(4, NaN));
    expect(lines).toEqual(['\nthe loss became NaN at epoch 2, batch 4/9 (lr 1): the run diverged; a smaller learning rate may help\n']);
  });
});
