#!/usr/bin/env node
import { UnknownBackendError } from '@bnkit/core';
import { MissingDataFileError } from '@bnkit/data';
import { CheckpointError } from '@bnkit/nn';
import { USAGE, UsageError, parseTrainArgs } from './train/args.js';
import { runTraining } from './train/run.js';

/** Runs `pnpm train` and returns the exit status: 0 done, 1 failure, 2 bad command line, 130 interrupted. */
async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseTrainArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bnkit train: ${e.message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  // First Ctrl-C: stop at the next batch (fit saves the checkpoint). A second one quits at once.
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await runTraining(parsed.options, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
    return outcome.stopped ? 130 : 0;
  } catch (e) {
    // A backend name, data folder or --init file that does not resolve (or fit) is a bad command line, like a bad flag value.
    const usage = e instanceof UnknownBackendError || e instanceof MissingDataFileError || (e instanceof CheckpointError && e.path === parsed.options.init);
    process.stderr.write(`bnkit train: ${e instanceof Error ? e.message : String(e)}\n`);
    return usage ? 2 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

process.exitCode = await main(process.argv.slice(2));
