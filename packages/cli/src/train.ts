#!/usr/bin/env node
import { CheckpointError } from '@bnkit/nn';
import { USAGE, parseTrainArgs } from './train/args.js';
import { prepareTraining } from './train/prepare.js';
import { runTraining } from './train/run.js';
import { runCommand } from './ui/command.js';

// Ctrl-C stops at the next batch, and fit saves the checkpoint; a second Ctrl-C quits at once.
process.exitCode = await runCommand(
  {
    name: 'train',
    parse: parseTrainArgs,
    usage: USAGE,
    prepare: prepareTraining,
    run: (options, signal) => runTraining(options, { stdout: process.stdout, stderr: process.stderr, signal }),
    // An --init or --checkpoint file that does not resolve, read back or fit the model is a bad command line.
    isUsageError: (e, options) => e instanceof CheckpointError && (e.path === options.init || e.path === options.checkpoint),
  },
  process.argv.slice(2),
);
