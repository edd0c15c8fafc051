/** One line of a training run's history. */
export interface EpochRow {
  /** 1-based. */
  readonly epoch: number;
  /** Mean training loss over the epoch's examples (training-mode forward passes, before each update). */
  readonly loss: number;
  /** Training accuracy from the same forward passes (as d2l reports it). */
  readonly trainAcc: number;
  /** Eval-mode accuracy on the test set after the epoch; null without a test set. */
  readonly testAcc: number | null;
  /** Training time of the epoch in seconds (evaluation excluded). */
  readonly seconds: number;
}

/**
 * Where a run stands, everything needed to continue it exactly: epoch e shuffles with a generator seeded
 * from (seed, e), so the seed and the position replace the generator's state.
 */
export interface TrainingState {
  readonly seed: number;
  readonly batchSize: number;
  readonly lr: number;
  /** Training examples of the run; a resume with other data is refused. */
  readonly trainCount: number;
  readonly epochsCompleted: number;
  /** Batches done within epoch `epochsCompleted + 1` (non-zero only for a run stopped mid-epoch). */
  readonly batchesCompleted: number;
  /** Running sums of the unfinished epoch. */
  readonly partial: { readonly lossSum: number; readonly correct: number; readonly seen: number; readonly seconds: number };
  readonly history: readonly EpochRow[];
}
