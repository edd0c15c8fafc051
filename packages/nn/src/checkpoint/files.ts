import type { Sequential } from '../sequential.js';
import type { TrainingState } from '../training-state.js';
import type { Checkpoint, RunDescription } from './format.js';

/** How `fit` saves and reads checkpoint files by path; file.ts implements it on Node's file system. */
export interface CheckpointFiles {
  save(path: string, model: Sequential, training: TrainingState, run?: RunDescription): Promise<void>;
  read(path: string): Promise<Checkpoint>;
}
