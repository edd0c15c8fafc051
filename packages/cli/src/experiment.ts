#!/usr/bin/env node
import { EXPERIMENT_USAGE, parseExperimentArgs } from './experiment/args.js';
import { runExperiment } from './experiment/run.js';
import { prepareOutputs } from './options/outputs.js';
import { runCommand } from './ui/command.js';

// Ctrl-C stops the configuration in progress (it restarts on the next run); finished ones are already saved.
process.exitCode = await runCommand(
  {
    name: 'experiment',
    parse: parseExperimentArgs,
    usage: EXPERIMENT_USAGE,
    prepare: async (options) => prepareOutputs([{ flag: 'out', path: options.out, kind: 'directory' }]),
    run: (options, signal) => runExperiment(options, { stdout: process.stdout, stderr: process.stderr, signal }),
  },
  process.argv.slice(2),
);
