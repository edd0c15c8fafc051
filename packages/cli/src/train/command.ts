import { CheckpointError } from '@bnkit/nn';
import type { Command, CommandIo } from '../ui/command.js';
import { USAGE, parseTrainArgs, type TrainOptions } from './args.js';
import { prepareTraining } from './prepare.js';
import { runTraining } from './run.js';

/** pnpm train as a command of the shell in ui/command.ts, writing to `streams` (the process's by default). */
export function trainCommand(streams: Omit<CommandIo, 'signal'> = process): Command<TrainOptions> {
  return {
    name: 'train',
    parse: parseTrainArgs,
    usage: USAGE,
    prepare: prepareTraining,
    run: (options, signal) => runTraining(options, { stdout: streams.stdout, stderr: streams.stderr, signal }),
    // An --init or --checkpoint file that does not resolve, read back or fit the model is a bad command line.
    isUsageError: (e, options) => e instanceof CheckpointError && (e.path === options.init || e.path === options.checkpoint),
  };
}
