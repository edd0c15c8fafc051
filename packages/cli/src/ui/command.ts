import { UnknownBackendError } from '@bnkit/core';
import { MissingDataFileError } from '@bnkit/data';
import { UsageError } from '../train/args.js';

export interface Command<O> {
  /** As the messages name it: `bnkit <name>: …`. */
  readonly name: string;
  /** Parses argv; throws UsageError on a bad command line. */
  parse(argv: readonly string[]): { readonly help: true } | { readonly help: false; readonly options: O };
  readonly usage: string;
  /** Runs with a signal that the first Ctrl-C aborts; resolves whether it stopped early. */
  run(options: O, signal: AbortSignal): Promise<{ readonly stopped: boolean }>;
  /** A failure of `run` that is the command line's fault (exit 2) beyond an unknown backend or data folder. */
  isUsageError?(e: unknown, options: O): boolean;
}

/**
 * The shell of a long-running bnkit command; returns its exit status: 0 done, 1 failure, 2 bad command
 * line (a bad flag, an unknown backend, a data folder missing its files), 130 interrupted. The first
 * Ctrl-C asks the run to stop at the next batch; a second one quits at once.
 */
export async function runCommand<O>(command: Command<O>, argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = command.parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bnkit ${command.name}: ${e.message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await command.run(parsed.options, controller.signal);
    return outcome.stopped ? 130 : 0;
  } catch (e) {
    // A backend name or data folder that does not resolve is a bad command line, like a bad flag value.
    const usage = e instanceof UnknownBackendError || e instanceof MissingDataFileError || command.isUsageError?.(e, parsed.options) === true;
    process.stderr.write(`bnkit ${command.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return usage ? 2 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
