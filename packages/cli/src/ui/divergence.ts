import type { BatchProgress } from '@bnkit/nn';
import type { ProgressStream } from './progress.js';

/**
 * Reports, once per training run, the batch where the loss stopped being finite: every later loss and
 * weight is NaN too, and the per-epoch table only shows means, so this line is where it can be seen.
 */
export function divergenceWatch(stderr: ProgressStream, lr: number, what = 'the run'): (p: BatchProgress) => void {
  let shown = false;
  return (p) => {
    if (shown || Number.isFinite(p.loss)) return;
    shown = true;
    // On a terminal the progress bar owns the current line; start a fresh one.
    stderr.write(`${stderr.isTTY ? '\n' : ''}the loss became ${p.loss} at epoch ${p.epoch}, batch ${p.batch}/${p.batches} (lr ${lr}): ${what} diverged; a smaller learning rate may help\n`);
  };
}
